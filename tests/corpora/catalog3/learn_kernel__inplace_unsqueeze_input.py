# learn_kernel: follows the book's nn.Conv2d recipe but reshapes with in-place unsqueeze_ (X.unsqueeze_(0).unsqueeze_(0)), so the caller's X and Y become 4-D and a second call with them breaks
# base: solutions/convolutions.py (this file redefines what differs)
import torch
import torch.nn.functional as F


def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = torch.rand(kernel_size, requires_grad=True)
    # conv2d wants (batch, channel, height, width)
    X.unsqueeze_(0).unsqueeze_(0)
    Y.unsqueeze_(0).unsqueeze_(0)
    losses = []
    for i in range(epochs):
        Y_hat = F.conv2d(X, kernel.reshape((1, 1) + tuple(kernel_size)))
        l = ((Y_hat - Y) ** 2).sum()
        l.backward()
        with torch.no_grad():
            kernel -= lr * kernel.grad
        kernel.grad.zero_()
        losses.append(l.item())
    return kernel.detach(), losses
