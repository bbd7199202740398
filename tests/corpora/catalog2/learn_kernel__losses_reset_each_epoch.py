# learn_kernel: losses = [] sits inside the loop, so only the last epoch's loss is returned
# base: solutions/convolutions.py (this file redefines what differs)

def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = torch.rand(kernel_size, requires_grad=True)
    for _ in range(epochs):
        losses = []
        loss = ((corr2d(X, kernel) - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            kernel -= lr * kernel.grad
        kernel.grad.zero_()
        losses.append(loss.item())
    return kernel.detach(), losses
