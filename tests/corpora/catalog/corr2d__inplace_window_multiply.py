# corr2d: multiplies the window in place (window *= K), which writes into X through the slice
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i:i + h, j:j + w]
            window *= K
            Y[i, j] = window.sum()
    return Y
