# conv_output_shape: unpacks a pair input_size as (width, height) like a PIL image size, so for a non-square input the height and width of the input are swapped against the kernel/padding/stride
# base: solutions/convolutions.py (this file redefines what differs)


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    def pair(v):
        return (v, v) if isinstance(v, int) else tuple(v)

    n_w, n_h = pair(input_size)  # image size is (width, height)
    k_h, k_w = pair(kernel_size)
    p_h, p_w = pair(padding)
    s_h, s_w = pair(stride)
    out_h = (n_h - k_h + 2 * p_h) // s_h + 1
    out_w = (n_w - k_w + 2 * p_w) // s_w + 1
    return (out_h, out_w)
