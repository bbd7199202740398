# learn_kernel: never zeroes the gradient, so it accumulates over epochs
# base: solutions/convolutions.py (this file redefines what differs)

def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = torch.rand(kernel_size, requires_grad=True)
    losses = []
    for epoch in range(epochs):
        Y_hat = corr2d(X, kernel)
        l = ((Y_hat - Y) ** 2).sum()
        l.backward()
        with torch.no_grad():
            kernel -= lr * kernel.grad
        losses.append(l.item())
    return kernel.detach(), losses
