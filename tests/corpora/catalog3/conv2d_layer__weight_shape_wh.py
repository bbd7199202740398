# Conv2D: unpacks kernel_size as (w, h) and builds the weight as torch.rand(h, w), so a non-square kernel_size gives a transposed weight and a wrong output shape
# base: solutions/convolutions.py (this file redefines what differs)
import torch
from torch import nn


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        w, h = kernel_size  # width, height
        self.weight = nn.Parameter(torch.rand(h, w))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias
