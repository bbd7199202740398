# learn_kernel: the loop is range(1, epochs), so it takes epochs - 1 steps and returns epochs - 1 losses
# base: solutions/convolutions.py (this file redefines what differs)

def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = torch.rand(kernel_size, requires_grad=True)
    losses = []
    for epoch in range(1, epochs):
        loss = ((corr2d(X, kernel) - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            kernel -= lr * kernel.grad
        kernel.grad.zero_()
        losses.append(loss.item())
    return kernel.detach(), losses
