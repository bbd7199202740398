# corr2d: I flipped the kernel because that is what a 'convolution' does in my signals class
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K.flip(0, 1)).sum()
    return Y
