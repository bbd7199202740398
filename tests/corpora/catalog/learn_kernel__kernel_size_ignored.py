# learn_kernel: always starts from a (1, 2) kernel, ignoring kernel_size
# base: tests/corpora/honest/catalog_base_unfold.py (this file redefines what differs)

def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = torch.zeros((1, 2), requires_grad=True)
    losses = []
    for _ in range(epochs):
        loss = ((corr2d(X, kernel) - Y) ** 2).sum()
        (grad,) = torch.autograd.grad(loss, kernel)
        with torch.no_grad():
            kernel.sub_(lr * grad)
        losses.append(float(loss))
    return kernel.detach().clone(), losses
