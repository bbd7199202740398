# corr2d: builds each element with .item(), so the result is cut off from autograd
# base: tests/corpora/honest/catalog_base_unfold.py (this file redefines what differs)

def corr2d(X, K):
    if not X.is_floating_point():
        X = X.float()
    if not K.is_floating_point():
        K = K.float()
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum().item()
    return Y
