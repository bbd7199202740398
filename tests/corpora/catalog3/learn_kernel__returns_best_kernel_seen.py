# learn_kernel: keeps a copy of the kernel with the lowest loss seen, but the loss is measured before the update, so it returns the kernel from before the last step instead of the final one
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = torch.rand(kernel_size, requires_grad=True)
    losses = []
    best_loss, best_kernel = float('inf'), kernel.detach().clone()
    for _ in range(epochs):
        loss = ((corr2d(X, kernel) - Y) ** 2).sum()
        if loss.item() < best_loss:
            best_loss = loss.item()
            best_kernel = kernel.detach().clone()
        loss.backward()
        with torch.no_grad():
            kernel -= lr * kernel.grad
        kernel.grad.zero_()
        losses.append(loss.item())
    return best_kernel, losses
