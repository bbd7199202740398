# Conv2D: creates the bias as nn.Parameter(torch.tensor(0.)), a 0-d scalar of shape () instead of shape (1,); outputs broadcast the same but the parameter shape is wrong
# base: solutions/convolutions.py (this file redefines what differs)
import torch
from torch import nn


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias
