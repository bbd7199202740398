# Conv2D: forgot to add the bias in forward
# base: tests/corpora/honest/catalog_base_unfold.py (this file redefines what differs)

class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(kernel_size))
        self.bias = nn.Parameter(torch.randn(1))

    def forward(self, x):
        return corr2d(x, self.weight)
