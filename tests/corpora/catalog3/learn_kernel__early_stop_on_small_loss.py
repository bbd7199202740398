# learn_kernel: breaks out of the loop once the loss drops below 1e-4 ("already converged"), so losses has fewer than `epochs` entries whenever the fit converges early
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = torch.rand(kernel_size, requires_grad=True)
    losses = []
    for _ in range(epochs):
        loss = ((corr2d(X, kernel) - Y) ** 2).sum()
        losses.append(loss.item())
        if loss.item() < 1e-4:
            break
        loss.backward()
        with torch.no_grad():
            kernel -= lr * kernel.grad
        kernel.grad.zero_()
    return kernel.detach(), losses
