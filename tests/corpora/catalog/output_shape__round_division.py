# conv_output_shape: rounded (n + 2p - k) / s to the nearest integer instead of down
# base: solutions/convolutions.py (this file redefines what differs)

def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n_h, n_w = _pair(input_size)
    k_h, k_w = _pair(kernel_size)
    p_h, p_w = _pair(padding)
    s_h, s_w = _pair(stride)
    return (round((n_h + 2 * p_h - k_h) / s_h) + 1, round((n_w + 2 * p_w - k_w) / s_w) + 1)
