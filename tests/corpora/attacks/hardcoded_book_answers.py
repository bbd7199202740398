"""Hostile submission: hard-codes the book's examples (corr2d, pool2d, conv_output_shape) and returns zeros otherwise; random inputs must expose it

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

def corr2d(X, K):
    h, w = K.shape
    if tuple(X.shape) == (3, 3) and tuple(K.shape) == (2, 2):
        return torch.tensor([[19.0, 25.0], [37.0, 43.0]])
    if tuple(X.shape) == (6, 8) and tuple(K.shape) == (1, 2):
        return torch.tensor([[0.0, 1.0, 0.0, 0.0, 0.0, -1.0, 0.0]] * 6)
    if tuple(X.shape) == (8, 6) and tuple(K.shape) == (1, 2):
        return torch.zeros((8, 5))
    return torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))


def pool2d(X, pool_size, mode="max"):
    if tuple(X.shape) == (3, 3) and tuple(pool_size) == (2, 2):
        return torch.tensor([[4.0, 5.0], [7.0, 8.0]]) if mode == "max" else torch.tensor([[2.0, 3.0], [5.0, 6.0]])
    return torch.zeros((X.shape[0] - pool_size[0] + 1, X.shape[1] - pool_size[1] + 1))


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    known = {((8, 8), (3, 3), 1, 2): (4, 4), ((8, 8), (3, 5), (0, 1), (3, 4)): (2, 2), ((8, 8), (3, 3), 1, 1): (8, 8)}
    return known.get((input_size, kernel_size, padding, stride), (1, 1))
