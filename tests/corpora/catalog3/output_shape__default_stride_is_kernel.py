# conv_output_shape: defaults stride to the kernel size when it is not given (as nn.MaxPool2d does), so calls that omit stride use stride=kernel_size instead of 1
# base: solutions/convolutions.py (this file redefines what differs)


def conv_output_shape(input_size, kernel_size, padding=0, stride=None):
    def pair(v):
        return (v, v) if isinstance(v, int) else tuple(v)

    if stride is None:
        stride = kernel_size  # default stride = window size
    sizes = zip(pair(input_size), pair(kernel_size), pair(padding), pair(stride))
    return tuple((n + 2 * p - k) // s + 1 for n, k, p, s in sizes)
