# learn_kernel: reuses the Conv2D layer from 6.2.2 and trains its weight AND its bias, so the fit is not bias-free: the bias absorbs part of the error and the kernel/losses follow a different path
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    conv = Conv2D(kernel_size)
    losses = []
    for _ in range(epochs):
        Y_hat = conv(X)
        l = ((Y_hat - Y) ** 2).sum()
        conv.zero_grad()
        l.backward()
        for param in conv.parameters():
            param.data -= lr * param.grad
        losses.append(l.item())
    return conv.weight.data, losses
