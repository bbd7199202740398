# conv_output_shape: forgot to divide by the stride
# base: tests/corpora/honest/catalog_base_unfold.py (this file redefines what differs)

def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    return tuple(
        (n + 2 * p - k) + 1
        for n, k, p, s in zip(as_pair(input_size), as_pair(kernel_size), as_pair(padding), as_pair(stride))
    )
