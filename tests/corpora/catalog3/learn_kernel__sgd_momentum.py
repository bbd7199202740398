# learn_kernel: uses torch.optim.SGD with momentum=0.9 out of habit instead of plain gradient descent, so from the second update on the kernel and losses differ
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = torch.rand(kernel_size, requires_grad=True)
    optimizer = torch.optim.SGD([kernel], lr=lr, momentum=0.9)
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        Y_hat = corr2d(X, kernel)
        loss = ((Y_hat - Y) ** 2).sum()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return kernel.detach(), losses
