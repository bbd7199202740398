# conv_output_shape: computed with numpy's floor_divide, so the sizes are numpy.int64, not Python ints
# base: solutions/convolutions.py (this file redefines what differs)

import numpy as np


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n_h, n_w = _pair(input_size)
    k_h, k_w = _pair(kernel_size)
    p_h, p_w = _pair(padding)
    s_h, s_w = _pair(stride)
    out_h = np.floor_divide(n_h + 2 * p_h - k_h, s_h) + 1
    out_w = np.floor_divide(n_w + 2 * p_w - k_w, s_w) + 1
    return (out_h, out_w)
