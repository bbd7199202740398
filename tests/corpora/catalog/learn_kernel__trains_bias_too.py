# learn_kernel: reuses my Conv2D layer, so the bias is trained along with the kernel
# base: solutions/convolutions.py (this file redefines what differs)

def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    layer = Conv2D(kernel_size)
    losses = []
    for epoch in range(epochs):
        l = ((layer(X) - Y) ** 2).sum()
        layer.zero_grad()
        l.backward()
        with torch.no_grad():
            for p in layer.parameters():
                p -= lr * p.grad
        losses.append(l.item())
    return layer.weight.detach(), losses
