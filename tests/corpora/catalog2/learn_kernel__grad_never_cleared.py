# learn_kernel: the gradient is never zeroed between epochs, so each step uses the sum of all past gradients
# base: solutions/convolutions.py (this file redefines what differs)

def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    weight = nn.Parameter(torch.rand(kernel_size))
    losses = []
    for i in range(epochs):
        l = ((corr2d(X, weight) - Y) ** 2).sum()
        l.backward()
        weight.data[:] -= lr * weight.grad
        losses.append(l.item())
    return weight.detach(), losses
