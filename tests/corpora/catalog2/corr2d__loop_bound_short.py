# corr2d: the loops run to H - h and W - w instead of H - h + 1 and W - w + 1, so the last output row and column stay zero
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d(X, K):
    H, W = X.shape
    h, w = K.shape
    Y = torch.zeros((H - h + 1, W - w + 1))
    for i in range(H - h):
        for j in range(W - w):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
