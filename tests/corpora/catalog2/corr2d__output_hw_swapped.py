# corr2d: the output is allocated as (W - w + 1, H - h + 1), height and width swapped (only square inputs work)
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d(X, K):
    H, W = X.shape
    h, w = K.shape
    Y = torch.zeros((W - w + 1, H - h + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
