# Conv2D: gave the bias the kernel's shape instead of (1,)
# base: tests/corpora/honest/catalog_base_unfold.py (this file redefines what differs)

class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(kernel_size))
        self.bias = nn.Parameter(torch.zeros(kernel_size))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias
