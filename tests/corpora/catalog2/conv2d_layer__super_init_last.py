# Conv2D: the parameters are assigned before super().__init__() is called, so building the layer raises AttributeError
# base: solutions/convolutions.py (this file redefines what differs)

class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))
        super().__init__()

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias
