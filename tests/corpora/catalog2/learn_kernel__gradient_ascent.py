# learn_kernel: the update adds the gradient (kernel.data += lr * grad), i.e. gradient ascent, so the loss grows
# base: solutions/convolutions.py (this file redefines what differs)

def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = torch.rand(kernel_size, requires_grad=True)
    losses = []
    for epoch in range(epochs):
        Y_hat = corr2d(X, kernel)
        l = ((Y_hat - Y) ** 2).sum()
        l.backward()
        kernel.data += lr * kernel.grad
        kernel.grad.data.zero_()
        losses.append(float(l))
    return kernel.detach(), losses
