# learn_kernel: the update kernel = kernel - lr * kernel.grad makes kernel a non-leaf, so its .grad is None next epoch (crash)
# base: solutions/convolutions.py (this file redefines what differs)

def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = torch.rand(kernel_size, requires_grad=True)
    losses = []
    for _ in range(epochs):
        loss = ((corr2d(X, kernel) - Y) ** 2).sum()
        loss.backward()
        kernel = kernel - lr * kernel.grad
        losses.append(loss.item())
    return kernel.detach(), losses
