# Conv2D: the bias is a plain tensor, not an nn.Parameter, so it is never trained
# base: solutions/convolutions.py (this file redefines what differs)

class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = torch.zeros(1)

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias
