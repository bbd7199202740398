# learn_kernel: optimizer.zero_grad() is called between backward() and step(), so the kernel never changes
# base: solutions/convolutions.py (this file redefines what differs)

def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = torch.rand(kernel_size, requires_grad=True)
    optimizer = torch.optim.SGD([kernel], lr=lr)
    losses = []
    for _ in range(epochs):
        loss = ((corr2d(X, kernel) - Y) ** 2).sum()
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        losses.append(loss.item())
    return kernel.detach(), losses
