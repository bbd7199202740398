# conv_output_shape: assumes every argument is an int and never handles pairs
# base: solutions/convolutions.py (this file redefines what differs)

def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n_h = n_w = input_size
    k_h = k_w = kernel_size
    p_h = p_w = padding
    s_h = s_w = stride
    out_h = (n_h + 2 * p_h - k_h) // s_h + 1
    out_w = (n_w + 2 * p_w - k_w) // s_w + 1
    return (out_h, out_w)
