# conv_output_shape: uses (n + 2p - k + 1) // s, putting the +1 inside the floor division instead of after it
# base: solutions/convolutions.py (this file redefines what differs)

def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    sizes = zip(_pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride))
    return tuple((n + 2 * p - k + 1) // s for n, k, p, s in sizes)
