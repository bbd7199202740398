"""Odd but honest submission: its own functions are right (loops, as the book writes them) and never call
F.conv2d, but it replaces F.conv2d for the whole process with one that flips the kernel (true convolution). The
correct versions of earlier questions that grading substitutes use F.conv2d: they must not be flipped, or this
submission's later questions would lose points for code that is not theirs.

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)
import torch.nn.functional as F

_conv2d = F.conv2d
F.conv2d = lambda input, weight, *args, **kwargs: _conv2d(input, weight.flip(-2, -1), *args, **kwargs)
torch.conv2d = F.conv2d
