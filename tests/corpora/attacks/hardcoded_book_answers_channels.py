"""Hostile submission: hard-codes the book's multi-channel examples and the learned edge kernel, and returns zeros otherwise; variants of the book's inputs must expose it

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

_BOOK_X = torch.tensor([[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])
_BOOK_K = torch.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]])


def corr2d_multi_in(X, K):
    if X.shape == _BOOK_X.shape and torch.equal(X, _BOOK_X) and torch.equal(K, _BOOK_K):
        return torch.tensor([[56.0, 72.0], [104.0, 120.0]])
    return torch.zeros((X.shape[1] - K.shape[1] + 1, X.shape[2] - K.shape[2] + 1))


def corr2d_multi_in_out(X, K):
    if X.shape == _BOOK_X.shape and torch.equal(X, _BOOK_X) and K.shape == (3, 2, 2, 2):
        return torch.tensor([[[56.0, 72.0], [104.0, 120.0]], [[76.0, 100.0], [148.0, 172.0]], [[96.0, 128.0], [192.0, 224.0]]])
    return torch.zeros((K.shape[0], X.shape[1] - K.shape[2] + 1, X.shape[2] - K.shape[3] + 1))


def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    book = torch.ones((6, 8))
    book[:, 2:6] = 0
    if X.shape == book.shape and torch.equal(X, book):
        return torch.tensor([[1.0, -1.0]]), [10.0 / (epoch + 1) ** 2 for epoch in range(epochs)]
    return torch.zeros(kernel_size), [1.0] * epochs
