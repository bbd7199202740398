# corr2d: multiplies each window by K with a matrix product (torch.matmul) instead of elementwise, then sums
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = torch.matmul(X[i:i + h, j:j + w], K).sum()
    return Y
