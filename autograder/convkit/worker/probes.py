"""What runs beside student code: load its cells, then answer requests with plain data.

Used by the sandboxed worker and by the in-process student of `pytest --impl`, so both grade alike.
Nothing here compares anything: results go back encoded, and the judge decides.
"""

from __future__ import annotations

import builtins
import functools
import random
import re
import sys
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

import torch
from torch import nn
from torch.utils._python_dispatch import _disable_current_modes as _no_dispatch_modes

from .codec import MAX_DIMS, decode, encode, encode_tensor
from .protocol import (
    DETACHED,
    ERROR_CHARS,
    KINDS_MAX,
    MAX_PARAMETERS,
    MESSAGE_CHARS,
    NAME_CHARS,
    OPERATOR_CHARS,
    REACHED_MAX,
    Call,
    Inside,
    Layer,
    Op,
    RaisedRecord,
    Status,
    Substitute,
    Watch,
)

SUBMISSION_MODULE = "submission"
SUBSTITUTES = "<grader's substitutes>"
"""The file name of the substitutes' code, by which a traceback's frames in it are known."""
ARGUMENTS_MAX = 8

_detach, _clone, _numpy = torch.Tensor.detach, torch.Tensor.clone, torch.Tensor.numpy
"""torch's own, taken when the zygote imports this module, before any student code: a submission
that replaces a Tensor method changes what its own code calls, not what tells whether it modified an
input."""


def new_namespace() -> dict[str, Any]:
    """A fresh module namespace; notebook helpers (display, otter's grader) exist but do nothing."""
    module = types.ModuleType(SUBMISSION_MODULE)
    module.__dict__["display"] = lambda *args, **kwargs: None
    sys.modules[SUBMISSION_MODULE] = module
    sys.modules.setdefault("otter", _silent_otter())
    return module.__dict__


def _silent_otter() -> types.ModuleType:
    """Notebooks call otter.Notebook(...).check(...) and .export(); grading ignores those cells'
    effects."""

    class Notebook:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def __getattr__(self, name: str) -> Any:
            return lambda *args, **kwargs: None

    module = types.ModuleType("otter")
    module.__dict__["Notebook"] = Notebook  # module.Notebook = ..., which ModuleType's stub refuses
    return module


Outcome = dict[str, Any]
"""A reply without its `seq`, which the worker adds (`convkit.worker.serve`)."""


STUDENT_SEED = 0


def reseed() -> None:
    """Student code that draws random numbers (a layer's first weights, a random start) draws the
    same ones at every load and every call, whatever ran before in this worker: a grade never
    depends on the order of calls, on a worker restarted after a timeout, on --jobs or on the
    machine's load."""
    random.seed(STUDENT_SEED)
    # torch.manual_seed would also set up every accelerator: slow
    torch.default_generator.manual_seed(STUDENT_SEED)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed(STUDENT_SEED)


def run_cells(
    namespace: dict[str, Any],
    cells: list[str],
    places: list[int],
    file: str | None,
    skip: set[int],
) -> Iterator[Outcome]:
    """Execute each cell; one that raises (even SystemExit) is reported and the next one still runs.
    A cell is lines of `file` from line `places[index]` on, or, where `file` is None, notebook cell
    `places[index]` (`convkit.worker.protocol.Load`)."""
    reseed()
    for index, (source, place) in enumerate(zip(cells, places, strict=True)):
        if index in skip:
            continue
        try:
            where = (f"<cell {place}>", 0) if file is None else (file, place - 1)
            code = compiled(source, *where)
            exec(code, namespace)  # noqa: S102 - sandboxed by design
        except BaseException as exc:  # noqa: BLE001 - student code may raise anything
            yield {"status": Status.RAISED, "cell": index, "error": describe(exc)}
        else:
            yield {"status": Status.OK, "cell": index}


def compiled(source: str, filename: str, shift: int) -> types.CodeType:
    """`source` compiled as it stands in `filename` below `shift` lines: its tracebacks and
    SyntaxErrors name the file's lines, at no cost per line above it (each code object's first
    line moves; its instructions' lines count from there). Compiled here, it is compiled under this
    module's `from __future__ import annotations`, as student code always has been."""
    try:
        code = compile(source, filename, "exec")
    except SyntaxError as error:
        error.lineno = None if error.lineno is None else error.lineno + shift
        error.end_lineno = None if error.end_lineno is None else error.end_lineno + shift
        raise
    return _shifted(code, shift) if shift else code


def _shifted(code: types.CodeType, shift: int) -> types.CodeType:
    consts = [_shifted(c, shift) if isinstance(c, types.CodeType) else c for c in code.co_consts]
    return code.replace(co_firstlineno=code.co_firstlineno + shift, co_consts=tuple(consts))


def handle(namespace: dict[str, Any], request: Substitute | Watch | Call | Layer) -> Outcome:
    """The reply to one request; a CALL's or LAYER's names the watched operators its student code
    reached."""
    outcome = _answer(namespace, request)
    reached = WATCH.take()
    return {**outcome, "reached": reached} if reached else outcome


def _answer(namespace: dict[str, Any], request: Substitute | Watch | Call | Layer) -> Outcome:
    try:
        if request["op"] == Op.SUBSTITUTE:
            namespace.update(_substitutes(request))
            return {"status": Status.OK}
        if request["op"] == Op.WATCH:
            WATCH.watch(request["operators"])
            return {"status": Status.OK}
        name = request["name"]
        target = namespace.get(name)
        if target is None:
            return {"status": Status.MISSING, "error": f"`{name}` is not defined"}
        reseed()
        value = _layer(target, request) if request["op"] == Op.LAYER else _call(target, request)
    except NotImplementedError as exc:
        return {"status": Status.NOT_IMPLEMENTED, "error": describe(exc)}
    except BaseException as exc:  # noqa: BLE001 - student code may raise anything, SystemExit included
        return {"status": Status.RAISED, **raised(exc)}
    return {"status": Status.OK, "value": value}


_AFTER_BACKEND_SELECT = torch._C._dispatch_keyset_full_after(torch._C.DispatchKey.BackendSelect)


class Watcher:
    """The judge's watch on library operators (`Op.WATCH`), for its from-scratch policy.

    A kernel of ours runs before each watched operator's own, at torch's BackendSelect dispatch
    key: below autograd, where every call of the operator passes however it was made (a closure,
    getattr, torch.ops, a thread of the student's, another operator's kernel). While the student's
    code runs (`during`) it notes the operator, unless code of the grader's substitutes called it,
    and passes the call on. A TorchDispatchMode sees fewer calls (none of other threads, none that
    kernels make) and runs Python for every operator, which made loop solutions 3 to 5 times
    slower; these kernels cost nothing to the operators they do not watch. No TorchFunctionMode
    either: every way to these routines ends in a dispatcher operator, seen here whatever Python
    led to it, and a function mode sees Python calls only (not those of kernels or TorchScript), at
    a Python call per tensor method (indexing included). Best effort, as all this process
    records: code that tampers with the worker can hide its calls."""

    def __init__(self) -> None:
        self.watched: frozenset[str] = frozenset()
        self.libraries: dict[str, torch.library.Library] = {}
        """Our kernels' registrations by namespace ("aten"), undone when one is destroyed."""
        self.running = False
        self.reached: set[str] = set()
        self.thread = threading.local()
        """`inside`: this thread runs a watched operator's own kernel, whose operators are its."""
        self.grader_code: dict[int, types.CodeType] = {}
        """The substitutes' code objects by id (kept alive here), whose calls are the grader's."""

    def watch(self, operators: list[str]) -> None:
        """Watch `operators` (as torch.ops spells them: "aten.convolution") from now on, and only
        them: torch's own kernels are left alone while nothing is watched."""
        watched = frozenset(op for op in operators if type(op) is str and len(op) <= OPERATOR_CHARS)
        if watched == self.watched:
            return
        for library in self.libraries.values():
            library._destroy()
        self.libraries.clear()
        self.watched = watched
        for name in sorted(watched):
            self._hook(name)

    def _hook(self, name: str) -> None:
        """Put our kernel before each overload of operator `name`'s own, where the dispatcher
        passes it on below autograd (at BackendSelect, but for a factory's own kernel there, which
        picks its backend). A composite operator's autograd kernel is the composite itself, which
        may compute without calling the operators it is made of (F.max_pool1d does when no
        gradient is asked for): there, ours runs first too, and passes the call on to the same
        composite below autograd."""
        namespace = name.partition(".")[0]
        if namespace not in self.libraries:
            self.libraries[namespace] = torch.library.Library(namespace, "IMPL")
        for overload, key, handle, after in _hooks(name):
            kernel = self._kernel(name, handle, after)
            self.libraries[namespace].impl(overload, kernel, key, with_keyset=True)

    def _kernel(self, name: str, handle: Any, after: Any) -> Callable[..., Any]:
        """Our kernel for an overload of operator `name` (`handle`, the dispatcher's): it passes
        calls on to the keys `after`."""

        def kernel(keyset: Any, *args: Any, **kwargs: Any) -> Any:
            if self.thread.__dict__.get("inside"):  # the outer watched operator said all there is
                return handle.redispatch_boxed(keyset & after, *args, **kwargs)
            if self.running and name not in self.reached and not self._grader_running():
                self.reached.add(name)
            self.thread.inside = True
            try:
                return handle.redispatch_boxed(keyset & after, *args, **kwargs)
            finally:
                self.thread.inside = False

        return kernel

    def _grader_running(self) -> bool:
        """Whether code of the grader's substitutes is on this thread's stack (the student's code
        may call them: a correct earlier answer is the student's to build on)."""
        frame: types.FrameType | None = sys._getframe(1)
        while frame is not None:
            if self.grader_code.get(id(frame.f_code)) is frame.f_code:
                return True
            frame = frame.f_back
        return False

    def trust(self, code: types.CodeType) -> None:
        """Count what `code` (the substitutes' module) and its functions call as the grader's."""
        self.grader_code[id(code)] = code
        for constant in code.co_consts:
            if isinstance(constant, types.CodeType):
                self.trust(constant)

    @contextmanager
    def during(self) -> Iterator[None]:
        """While the student's code runs: watched operators it reaches are noted."""
        self.running = bool(self.watched)
        try:
            yield
        finally:
            self.running = False

    def take(self) -> list[str]:
        """The operators noted since the last call, sorted, at most `REACHED_MAX`."""
        reached, self.reached = sorted(self.reached)[:REACHED_MAX], set()
        return reached


@functools.cache
def _hooks(name: str) -> list[tuple[str, str, Any, Any]]:
    """Where `Watcher` hooks operator `name`: (overload, dispatch key, the dispatcher's handle of
    the overload, the keys after that key)."""
    namespace, _, operator = name.partition(".")
    hooks = []
    for schema in torch._C._jit_get_schemas_for_operator(f"{namespace}::{operator}"):
        variant = schema.overload_name
        overload = f"{operator}.{variant}" if variant else operator
        handle = torch._C._dispatch_find_schema_or_throw(f"{namespace}::{operator}", variant)
        qualified = f"{namespace}::{overload}"
        has = functools.partial(torch._C._dispatch_has_kernel_for_dispatch_key, qualified)
        if not has("BackendSelect"):
            hooks.append((overload, "BackendSelect", handle, _AFTER_BACKEND_SELECT))
        if has("CompositeImplicitAutograd") and not has("AutogradCPU"):
            hooks.append((overload, "AutogradCPU", handle, torch._C._after_autograd_keyset))
    return hooks


WATCH = Watcher()


def _snapshot(names: tuple[str, ...]) -> dict[str, types.ModuleType]:
    """Copies of modules (parents first) as they are now, each child an attribute of its parent's
    copy; what a copy lacks (a submodule imported later) is looked up in the module itself."""
    copies: dict[str, types.ModuleType] = {}
    for name in names:
        module = sys.modules[name]
        copy = types.ModuleType(name)
        copy.__dict__.update(module.__dict__)
        copy.__dict__["__getattr__"] = lambda attribute, module=module: getattr(module, attribute)
        parent, _, child = name.rpartition(".")
        if parent in copies:
            setattr(copies[parent], child, copy)
        copies[name] = copy
    return copies


_PRISTINE = _snapshot(("torch", "torch.nn", "torch.nn.functional"))
"""torch, torch.nn and torch.nn.functional as the zygote imported them, for the substitutes: a
submission that rebinds an attribute of these modules for its own code (F.conv2d = ...) does not
change the correct versions of earlier questions, whose points its own later answers would then
lose. Only that: the functions in them still read their own modules' globals, and Tensor and Module
methods are shared with the student's code."""
_BUILTINS = dict(builtins.__dict__)


def _import_pristine(
    name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
) -> Any:
    """`__import__` for the substitutes: a module is imported as usual, but what binds a name from
    torch binds `_PRISTINE`'s copy where there is one."""
    module = _BUILTINS["__import__"](name, globals, locals, fromlist, level)
    top = name.partition(".")[0]
    if level != 0 or top not in _PRISTINE:
        return module
    return _PRISTINE.get(name, module) if fromlist else _PRISTINE[top]


def _substitutes(request: Substitute) -> dict[str, Any]:
    """Correct versions of earlier questions, from the source the judge sends (only those), so a
    worker never holds the oracle's answer to the question being graded. They import torch's modules
    as they were before any student code ran (`_PRISTINE`)."""
    scope: dict[str, Any] = {
        "__name__": "convkit_substitutes",
        "__builtins__": {**_BUILTINS, "__import__": _import_pristine},
    }
    code = compile(str(request["source"]), SUBSTITUTES, "exec")
    WATCH.trust(code)
    exec(code, scope)  # noqa: S102 - the judge's code
    return {symbol: scope[symbol] for symbol in request["symbols"]}


def _call(function: Any, request: Call) -> dict[str, Any]:
    args = [decode(arg) for arg in request.get("args", [])]
    kwargs = {key: decode(arg) for key, arg in request.get("kwargs", {}).items()}
    grad_args = request.get("grad_args", [])
    for index in grad_args:
        args[index].requires_grad_(True)
    kept = [_kept(arg) for arg in args]
    with WATCH.during():
        result = function(*args, **kwargs)
    reply: dict[str, Any] = {"result": encode(_plain(result))}
    if "grad_output" in request:
        reply.update(
            _backward(result, decode(request["grad_output"]), [args[i] for i in grad_args])
        )
    # before the inputs are compared: what its release runs (a finalizer that writes X) has run
    del result
    reply["inputs_after"] = [_if_modified(arg, held) for arg, held in zip(args, kept, strict=True)]
    return reply


def _kept(arg: Any) -> tuple[torch.Tensor, torch.Tensor] | None:
    """For a tensor argument: a view of its memory and a copy of it, taken before the call."""
    if type(arg) is not torch.Tensor:
        return None
    view = _detach(arg)
    return view, _clone(view)


def _if_modified(arg: Any, kept: tuple[torch.Tensor, torch.Tensor] | None) -> Any:
    """A tensor argument as the call left it, only where it changed: most calls send back nothing,
    and the judge takes anything sent as a change (`convkit.checking.compare.changed`). The memory
    the argument had is compared byte for byte with its copy first, then the argument itself, as
    plain tensors without torch's function or dispatch hooks, which the call may have set: giving
    the argument a class of its own, new storage, or a dtype that cannot be sent does not hide what
    it wrote. Best effort: code in this process can undo any check made in it, but not by
    accident."""
    if kept is None:
        return None
    view, sent = kept
    with torch._C.DisableTorchFunction(), _no_dispatch_modes():
        for now in (
            view,
            _detach(arg),
        ):  # the argument stays a tensor: no other class can be given to it
            if (
                now.dtype != sent.dtype
                or now.shape != sent.shape
                or _numpy(now).tobytes() != _numpy(sent).tobytes()
            ):
                return encode(now)
    return None


def _layer(cls: Any, request: Layer) -> dict[str, Any]:
    with WATCH.during():
        layer = cls(tuple(request["kernel_size"]))
    if not isinstance(layer, nn.Module):
        return {"module": False, "type": type(layer).__qualname__}
    params = dict(nn.Module.named_parameters(layer))
    listed = [
        [n[:NAME_CHARS], list(p.shape)[:MAX_DIMS], bool(p.requires_grad)] for n, p in params.items()
    ]
    reply: dict[str, Any] = {"module": True, "parameters": listed[:MAX_PARAMETERS]}
    given: tuple[Literal["weight", "bias"], ...] = ("weight", "bias")  # keys of a Layer request
    with torch.no_grad():
        for name in given:
            if (
                name in request
                and name in params
                and tuple(params[name].shape) == tuple(request[name]["shape"])
            ):
                params[name].copy_(decode(request[name]))
    x = decode(request["x"])
    kept = _kept(x)
    try:
        with WATCH.during():
            output = layer(x)
            again = layer(x)  # the same input again: a forward that draws new weights differs
    except BaseException as exc:  # noqa: BLE001 - reported with the parameters, which tell the judge why
        return {**reply, "forward_error": raised(exc), "x_after": _if_modified(x, kept)}
    reply["result"] = encode(_plain(output))
    reply["again"] = encode(_plain(again))
    reply.update(
        _backward(
            output, decode(request["grad_output"]), [params.get("weight"), params.get("bias")]
        )
    )
    del output, again  # as a call's result: what their release runs has run before x is compared
    reply["x_after"] = _if_modified(x, kept)
    return reply


def _backward(output: Any, grad_output: torch.Tensor, leaves: list[Any]) -> dict[str, Any]:
    """Gradients of sum(output * grad_output) with respect to each leaf, or why there are none."""
    if not isinstance(output, torch.Tensor) or not output.requires_grad:
        return {"grads": None, "grad_error": DETACHED}
    try:
        (output * grad_output).sum().backward()
    except Exception as exc:  # noqa: BLE001
        return {"grads": None, "grad_error": describe(exc)}
    return {"grads": [encode_tensor(leaf.grad) if _has_grad(leaf) else None for leaf in leaves]}


def _has_grad(leaf: Any) -> bool:
    return isinstance(leaf, torch.Tensor) and type(leaf.grad) is torch.Tensor


def _plain(value: Any) -> Any:
    """torch's own classes count as what they are (a Parameter is a tensor, a Size a tuple of ints);
    student-made subclasses never do."""
    if type(value) is nn.Parameter:
        return torch.Tensor.detach(value)
    if type(value) is torch.Size:
        return tuple(int(size) for size in value)
    if type(value) in (tuple, list):
        return type(value)(_plain(item) for item in value)
    return value


WORKDIR: str | None = None
"""The worker's working directory (and home), whose name is drawn at random per submission
(`convkit.worker.serve` sets it)."""
ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{8,}\b")
TEMP_NAME = re.compile(r"\btmp[a-z0-9_]{8}\b")
"""A name `tempfile` draws at random (tmpxxxxxxxx), as in a path a compiler's error shows."""


def describe(exc: BaseException) -> str:
    """A one-line account of an exception ("ValueError: ..."), at most `ERROR_CHARS` characters."""
    return raised(exc)["error"]


def raised(exc: BaseException) -> RaisedRecord:
    """What the judge is told of an exception of the student's code: the account it shows, the
    classes a check asks about, and the message whole up to `MESSAGE_CHARS` (a check may look for
    words near its end). Never raises: the exception's class and __str__ are the student's."""
    try:
        text = _text(exc)
        name = _class_name(type(exc))
        account = f"{name}: {text}" if text else name
        record: RaisedRecord = {
            "error": _one_line(account)[:ERROR_CHARS],
            "kinds": kinds(exc),
            "message": _one_line(text)[:MESSAGE_CHARS],
        }
    except BaseException:  # noqa: BLE001 - a class hostile beyond what the readers below guard against
        return {"error": "<an exception that could not be read>", "kinds": [], "message": ""}
    inside = _inside(exc)
    if inside is not None:
        record["inside"] = inside
    return record


def _inside(exc: BaseException) -> Inside | None:
    """The outermost frame of the grader's substituted code the exception passed through (the
    student's code called it there), with the shapes of the tensors it was given; None where it did
    not, or cannot be read."""
    try:
        trace = exc.__traceback__
        while trace is not None:
            code = trace.tb_frame.f_code
            if code.co_filename == SUBSTITUTES:
                given = trace.tb_frame.f_locals
                names = code.co_varnames[: min(code.co_argcount, ARGUMENTS_MAX)]
                shapes = {
                    n: [int(size) for size in given[n].shape]
                    if type(given.get(n)) is torch.Tensor
                    else None
                    for n in names
                }
                return {"function": str(code.co_name)[:NAME_CHARS], "arguments": shapes}
            trace = trace.tb_next
    except BaseException:  # noqa: BLE001 - frames the student's code reached into
        return None
    return None


def _text(exc: BaseException) -> str:
    """str(exc) as a plain str (the student's __str__ may fail, or return a str subclass with
    methods of its own), cut to what any account could show."""
    try:
        return str.__str__(str(exc))[: 64 * MESSAGE_CHARS]
    except BaseException:  # noqa: BLE001
        return "<unprintable>"


def _one_line(text: str) -> str:
    """`text` on one line, with what differs from one run to the next though the code is the same
    (the workdir's random name, a temporary file's, an object's address) replaced, so that the same
    submission is told the same thing at every regrade."""
    if WORKDIR:
        text = text.replace(WORKDIR, "~")
    return " ".join(TEMP_NAME.sub("tmp…", ADDRESS.sub("0x…", text)).split())


_TYPE_NAME, _TYPE_MRO, _TYPE_MODULE = (
    vars(type)[attribute].__get__ for attribute in ("__name__", "__mro__", "__module__")
)
"""type's own readers of a class's name, line and module, which no metaclass (its __getattribute__
or a property of the same name) can replace."""


def _class_name(cls: type) -> str:
    """A class's own name, whatever its metaclass says."""
    return _one_line(str.__str__(_TYPE_NAME(cls)))[:NAME_CHARS]


def kinds(exc: BaseException) -> list[list[str]]:
    """The exception's classes, most derived first (the first and last `KINDS_MAX // 2` of a longer
    line), as [module, name]. A check asks whether it is a ValueError, subclasses included:
    "builtins" is said only of Python's own classes as they were before any student code ran, so a
    class that merely calls itself ValueError (or says its module is builtins) is told apart. Best
    effort against code that writes the worker's frames itself, as every reply is."""
    mro = _TYPE_MRO(type(exc))
    if len(mro) > KINDS_MAX:
        mro = mro[: KINDS_MAX // 2] + mro[-(KINDS_MAX // 2) :]
    found = []
    for cls in mro:
        name = _class_name(cls)
        found.append(["builtins" if _BUILTINS.get(name) is cls else _module_name(cls), name])
    return found


def _module_name(cls: type) -> str:
    """The module a class says it is from, "" where that is "builtins" (Python's own are told by
    identity) or cannot be read."""
    try:
        module = _TYPE_MODULE(cls)
    except AttributeError:
        return ""
    module = _one_line(str.__str__(module))[:NAME_CHARS] if issubclass(type(module), str) else ""
    return "" if module == "builtins" else module
