# Conv2D: adds self.bias.item() in forward so a plain float is added; the output value is right but no gradient ever reaches the bias parameter
# base: solutions/convolutions.py (this file redefines what differs)
import torch
from torch import nn


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        # bias is a scalar, add it as a number
        return corr2d(x, self.weight) + self.bias.item()
