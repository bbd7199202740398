# conv_output_shape: a pair padding is reduced to its first entry, so the height padding is used for the width too
# base: solutions/convolutions.py (this file redefines what differs)

def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n_h, n_w = _pair(input_size)
    k_h, k_w = _pair(kernel_size)
    s_h, s_w = _pair(stride)
    p = padding if isinstance(padding, int) else padding[0]
    return ((n_h + 2 * p - k_h) // s_h + 1, (n_w + 2 * p - k_w) // s_w + 1)
