# Conv2D: the bias is created with torch.zeros_like(self.weight), i.e. the kernel's shape, instead of shape (1,)
# base: solutions/convolutions.py (this file redefines what differs)

class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros_like(self.weight))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias
