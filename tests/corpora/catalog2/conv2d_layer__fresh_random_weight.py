# Conv2D: forward draws a fresh random kernel on every call instead of using the self.weight parameter
# base: solutions/convolutions.py (this file redefines what differs)

class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(kernel_size))
        self.bias = nn.Parameter(torch.randn(1))

    def forward(self, x):
        kernel = torch.randn(self.weight.shape)
        return corr2d(x, kernel) + self.bias
