"""Run a command as Docker's default confinement runs a container's root: the tests' stand-in for
Gradescope, PrairieLearn and Kubernetes graders.

    python tests/dockerlike.py [--reachable-root] [--bind SOURCE:TARGET]... -- COMMAND...

As root, the command gets a mount namespace of its own (a container's file system is its own too)
where `--bind` places folders (e.g. a harness's /autograder) and `--reachable-root` lets other users
through /root, as an image whose Python lives there would after convkit's set-up (`chmod o+x
/root`): nothing on the host changes. Then, as runc leaves a container's processes: only Docker's
default capabilities in the bounding set (no CAP_SYS_ADMIN), no_new_privs, and a seccomp filter that
refuses unshare, mount, umount2, setns and pivot_root (EPERM), clone with any namespace flag (EPERM)
and clone3 (ENOSYS). Written apart from convkit's own filters, so that a mistake in those cannot
hide itself here.
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import os
import platform
import struct
from pathlib import Path

DOCKER_CAPABILITIES = {0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 27, 29, 31}
"""CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID, SETPCAP, NET_BIND_SERVICE, NET_RAW,
SYS_CHROOT, MKNOD, AUDIT_WRITE, SETFCAP: what Docker gives a container by default."""
REFUSED = {
    # audit arch, (unshare, mount, umount2, setns, pivot_root), clone, clone3
    "x86_64": (0xC000003E, (272, 165, 166, 308, 155), 56, 435),
    "aarch64": (0xC00000B7, (97, 40, 39, 268, 41), 220, 435),
}
CLONE_NAMESPACES = 0x7E020080
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP = 24, 38, 22
CLONE_NEWNS, MS_BIND, MS_REC, MS_PRIVATE = 0x20000, 0x1000, 0x4000, 1 << 18

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [
    ctypes.c_char_p,
    ctypes.c_char_p,
    ctypes.c_char_p,
    ctypes.c_ulong,
    ctypes.c_char_p,
]


def check(result: int, what: str) -> None:
    if result != 0:
        raise OSError(ctypes.get_errno(), what)


def mount(
    source: str, target: str, kind: str | None, flags: int, options: str | None = None
) -> None:
    encoded = [
        None if value is None else value.encode() for value in (source, target, kind, options)
    ]
    check(libc.mount(encoded[0], encoded[1], encoded[2], flags, encoded[3]), f"mount on {target}")


def own_file_system(binds: list[tuple[str, str]], reachable_root: bool) -> None:
    check(libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    mount("none", "/", None, MS_REC | MS_PRIVATE)
    if reachable_root:
        original = os.open("/root", os.O_PATH | os.O_DIRECTORY)
        entries = os.listdir("/root")
        mount("tmpfs", "/root", "tmpfs", 0, "mode=0711")
        for name in entries:
            source = f"/proc/self/fd/{original}/{name}"
            target = f"/root/{name}"
            if os.path.isdir(source) and not os.path.islink(source):
                os.mkdir(target)
            else:
                Path(target).touch()
            mount(source, target, None, MS_BIND | MS_REC)
        os.close(original)
    for source, target in binds:
        # a bare mount point on the host the first time; its contents stay here
        os.makedirs(target, exist_ok=True)
        mount(source, target, None, MS_BIND | MS_REC)


def docker_filter() -> bytes:
    arch, refused, clone, clone3 = REFUSED[platform.machine()]
    eperm, enosys, allow = 0x00050000 | errno.EPERM, 0x00050000 | errno.ENOSYS, 0x7FFF0000
    program = [(0x20, 0, 0, 4), (0x15, 1, 0, arch), (0x06, 0, 0, allow), (0x20, 0, 0, 0)]
    for number in refused:
        program += [(0x15, 0, 1, number), (0x06, 0, 0, eperm)]
    program += [(0x15, 0, 1, clone3), (0x06, 0, 0, enosys)]
    program += [
        (0x15, 0, 3, clone),
        (0x20, 0, 0, 16),
        (0x45, 0, 1, CLONE_NAMESPACES),
        (0x06, 0, 0, eperm),
    ]
    program += [(0x06, 0, 0, allow)]
    return b"".join(struct.pack("HBBI", *instruction) for instruction in program)


def confine() -> None:
    last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    for capability in range(last + 1):
        if capability not in DOCKER_CAPABILITIES:
            check(
                libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0),
                f"dropping capability {capability}",
            )
    check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    program = docker_filter()
    buffer = ctypes.create_string_buffer(program)

    class Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    check(
        libc.prctl(
            PR_SET_SECCOMP,
            2,
            ctypes.byref(Fprog(len(program) // 8, ctypes.addressof(buffer))),
            0,
            0,
        ),
        "seccomp",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reachable-root", action="store_true")
    parser.add_argument("--bind", action="append", default=[], metavar="SOURCE:TARGET")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    binds = [tuple(item.split(":", 1)) for item in args.bind]
    if os.geteuid() == 0:
        own_file_system(binds, args.reachable_root)  # type: ignore[arg-type]
    confine()
    os.execvp(args.command[0], args.command)


if __name__ == "__main__":
    main()
