# conv_output_shape: rounded the division up with math.ceil
# base: solutions/convolutions.py (this file redefines what differs)

import math


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n_h, n_w = _pair(input_size)
    k_h, k_w = _pair(kernel_size)
    p_h, p_w = _pair(padding)
    s_h, s_w = _pair(stride)
    out_h = math.ceil((n_h + 2 * p_h - k_h) / s_h) + 1
    out_w = math.ceil((n_w + 2 * p_w - k_w) / s_w) + 1
    return (out_h, out_w)
