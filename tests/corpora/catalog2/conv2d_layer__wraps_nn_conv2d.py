# Conv2D: wraps nn.Conv2d, so weight has shape (1, 1, h, w) instead of kernel_size
# base: solutions/convolutions.py (this file redefines what differs)

class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, kernel_size)
        self.weight = self.conv.weight
        self.bias = self.conv.bias

    def forward(self, x):
        Y = self.conv(x.reshape((1, 1) + x.shape))
        return Y.reshape(Y.shape[2:])
