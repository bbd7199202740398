# learn_kernel: kept the book's step size 3e-2 instead of the lr argument
# base: tests/corpora/honest/catalog_base_unfold.py (this file redefines what differs)

def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = torch.zeros(kernel_size, requires_grad=True)
    losses = []
    for _ in range(epochs):
        loss = ((corr2d(X, kernel) - Y) ** 2).sum()
        (grad,) = torch.autograd.grad(loss, kernel)
        with torch.no_grad():
            kernel.sub_(3e-2 * grad)
        losses.append(float(loss))
    return kernel.detach().clone(), losses
