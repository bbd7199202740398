# Conv2D: forward applies a ReLU to corr2d(x, weight) + bias, so negative outputs become 0
# base: solutions/convolutions.py (this file redefines what differs)

class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return torch.relu(corr2d(x, self.weight) + self.bias)
