"""The two families of things that go wrong while grading, kept apart everywhere.

`Failed` and its subclasses are the submission's fault (a wrong answer, an exception, a timeout, a crash, a
malformed reply): they cost the check they happen in. `GraderError` and its subclasses are the grader's own
fault (a sandbox that does not start or answer, isolation weaker than configured, a bug in a check): they mark
the whole submission ungradable, which is never a score.
"""

from __future__ import annotations

from .results import Failure, Shown


class Failed(Exception):
    """A verdict against the submission: `reason` is a short phrase without data (reports group by it),
    `detail` the one-line account with the data, `bug` the named bug the output matches (on proof), if any, and
    `effect` what the output shows where no bug is named (`convkit.judge.effects`)."""

    reason = "failed"

    def __init__(
        self, detail: str, *, reason: str | None = None, bug: str | None = None, shown: Shown | None = None, effect: str | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.reason = reason or type(self).reason
        self.bug = bug
        self.shown = shown
        self.effect = effect

    def failure(self) -> Failure:
        return Failure(reason=self.reason, detail=self.detail, bug=self.bug, shown=self.shown, effect=self.effect)


class CheckFailed(Failed):
    """The submission answered, and the answer is wrong."""

    reason = "wrong answer"


class StudentError(Failed):
    """A request the submission's code could not answer."""


class NotImplementedYet(StudentError):
    reason = "not implemented yet"


class MissingSymbol(StudentError):
    reason = "not defined"


class StudentRaised(StudentError):
    """`kinds`: the exception's classes, most derived first, as (module, name); `message`: its message, whole up to
    `MESSAGE_CHARS` (`detail` shows the start). Both are empty only where the worker's record was malformed or the
    exception could not be read at all."""

    reason = "raised an exception"

    def __init__(
        self,
        detail: str,
        *,
        reason: str | None = None,
        bug: str | None = None,
        shown: Shown | None = None,
        kinds: tuple[tuple[str, str], ...] = (),
        message: str = "",
    ) -> None:
        super().__init__(detail, reason=reason, bug=bug, shown=shown)
        self.kinds = kinds
        self.message = message
        self.inside: tuple[str, dict[str, tuple[int, ...] | None]] | None = None
        """Where it came out of the grader's code for an earlier question (`student.misused` tells it so)."""

    @property
    def kind(self) -> str:
        """The exception's class name, as the student wrote it ("an exception" where it is not known)."""
        return self.kinds[0][1] if self.kinds else "an exception"

    def told(self, detail: str, bug: str | None = None) -> StudentRaised:
        """The same failure told with more context and the bug it matches (`bug`, which replaces any named before),
        its reason, classes and message kept."""
        told = StudentRaised(detail, reason=self.reason, bug=bug, shown=self.shown, kinds=self.kinds, message=self.message)
        told.effect = None if bug else self.effect
        told.inside = self.inside
        return told

    def is_builtin(self, name: str) -> bool:
        """Whether the exception is Python's `name` (ValueError, ...) or of a class derived from it."""
        return ("builtins", name) in self.kinds


class WorkerFailed(StudentError):
    """The worker timed out, crashed, broke the protocol or sent too much; it is restarted for the next check."""

    reason = "the worker failed"


class GraderError(Exception):
    """The grader's own fault: the submission cannot be graded, and says so instead of scoring zero."""


class SandboxError(GraderError):
    """A sandbox did not start, or stopped answering."""


class IsolationError(SandboxError):
    """A sandbox started but isolates less than its backend promises."""


class InternalError(GraderError):
    """A hidden check itself broke (a bug in the grader, not in the submission)."""


class ClusterError(Exception):
    """The Dask cluster named by --scheduler cannot be used (not reachable, no workers, the extra not installed):
    a problem of the command, said in one line before anything is graded."""
