# Conv2D: adds the bias to the input before correlating (corr2d(x + self.bias, self.weight)), so the output is shifted by bias * weight.sum() instead of bias; invisible while the bias is still 0
# base: solutions/convolutions.py (this file redefines what differs)
import torch
from torch import nn


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x + self.bias, self.weight)
