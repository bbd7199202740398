# corr2d: collects the window sums column by column (j outer, i inner) into a list, then reshapes row-major to (H-h+1, W-w+1), scrambling the output
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def corr2d(X, K):
    h, w = K.shape
    out_h, out_w = X.shape[0] - h + 1, X.shape[1] - w + 1
    values = []
    for j in range(out_w):
        for i in range(out_h):
            values.append((X[i:i + h, j:j + w] * K).sum())
    return torch.stack(values).float().reshape(out_h, out_w)
