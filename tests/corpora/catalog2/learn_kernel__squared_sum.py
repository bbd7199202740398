# learn_kernel: the loss is (Y_hat - Y).sum() ** 2, the square of the summed error, instead of the sum of squared errors
# base: solutions/convolutions.py (this file redefines what differs)

def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = torch.rand(kernel_size, requires_grad=True)
    losses = []
    for _ in range(epochs):
        Y_hat = corr2d(X, kernel)
        loss = (Y_hat - Y).sum() ** 2
        loss.backward()
        with torch.no_grad():
            kernel -= lr * kernel.grad
        kernel.grad.zero_()
        losses.append(loss.item())
    return kernel.detach(), losses
