"""Not from scratch: corr2d_multi_in_out_1x1 has a thread of its own run F.conv2d, named at run
time; a TorchDispatchMode, which watches one thread, would miss it. The worker's record sees
aten.conv2d.

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)
import threading

import torch.nn.functional as F


def corr2d_multi_in_out_1x1(X, K):
    dtype = torch.promote_types(torch.promote_types(torch.get_default_dtype(), X.dtype), K.dtype)
    routine, out = getattr(F, "conv" + "2d"), []
    worker = threading.Thread(target=lambda: out.append(routine(X.to(dtype)[None], K.to(dtype))[0]))
    worker.start()
    worker.join()
    return out[0]
