# conv_output_shape: computes floor with np.floor((n + 2p - k) / s) + 1, which returns numpy floats (e.g. 4.0) instead of plain Python ints
# base: solutions/convolutions.py (this file redefines what differs)
import numpy as np


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    def pair(v):
        return (v, v) if isinstance(v, int) else tuple(v)

    (n_h, n_w), (k_h, k_w) = pair(input_size), pair(kernel_size)
    (p_h, p_w), (s_h, s_w) = pair(padding), pair(stride)
    out_h = np.floor((n_h + 2 * p_h - k_h) / s_h) + 1
    out_w = np.floor((n_w + 2 * p_w - k_w) / s_w) + 1
    return (out_h, out_w)
