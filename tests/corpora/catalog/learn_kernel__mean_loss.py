# learn_kernel: used the mean squared error (like nn.MSELoss) instead of the summed one
# base: solutions/convolutions.py (this file redefines what differs)

def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = torch.rand(kernel_size, requires_grad=True)
    losses = []
    for epoch in range(epochs):
        Y_hat = corr2d(X, kernel)
        l = ((Y_hat - Y) ** 2).mean()
        l.backward()
        with torch.no_grad():
            kernel -= lr * kernel.grad
        kernel.grad.zero_()
        losses.append(l.item())
    return kernel.detach(), losses
