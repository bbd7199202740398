# conv_output_shape: treats an int padding as per side (2p) but a pair (p_h, p_w) as the book's total rows/columns of padding (p_h, not 2*p_h), so pair paddings give too small an output
# base: solutions/convolutions.py (this file redefines what differs)


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    def pair(v):
        return (v, v) if isinstance(v, int) else tuple(v)

    if isinstance(padding, int):
        pad_h = pad_w = 2 * padding  # padding on both sides
    else:
        pad_h, pad_w = padding  # book: p_h rows of padding in total
    (n_h, n_w), (k_h, k_w), (s_h, s_w) = pair(input_size), pair(kernel_size), pair(stride)
    return ((n_h - k_h + pad_h + s_h) // s_h, (n_w - k_w + pad_w + s_w) // s_w)
