"""Every exception convkit raises, in three families kept apart everywhere.

    CommandError        the command cannot run as asked: one line that says how to fix it, exit 2
      UsageError          the command's inputs (no submissions, a file that is not one)
      ConfigError         the course's convkit.toml
      SeedError           the course's grading seed
      OutError            the --out folder
      BackendError        the chosen sandbox cannot run here
      ClusterError        the Dask cluster named by --scheduler
    GraderError         the grader's own fault: the submission is ungradable, never scored
      SandboxError        a sandbox did not start, or stopped answering
        IsolationError      it started, isolating less than its backend promises
      InternalError       a hidden check itself broke
    Failed              the submission's fault: it costs the check it happens in
      CheckFailed         it answered, and the answer is wrong
      StudentError        it could not answer: NotImplementedYet, MissingSymbol, StudentRaised,
                          WorkerFailed

Two more stay inside the reading of a submission and become its `error` or `partial`:
SubmissionError (the file cannot be graded at all) and Unparsable (a syntax error, below which
nothing is read).
`convkit.worker.protocol.WireError` lives with the worker, which imports nothing of convkit.
"""

from __future__ import annotations

from convkit.output.escaping import quoted
from convkit.results import Failure, Shown


class Failed(Exception):
    """A verdict against the submission: `reason` is a short phrase without data (reports group by
    it), `detail` the one-line account with the data, `bug` the named bug the output matches (on
    proof), if any, and `effect` what the output shows where no bug is named
    (`convkit.checking.effects`)."""

    reason = "failed"

    def __init__(
        self,
        detail: str,
        *,
        reason: str | None = None,
        bug: str | None = None,
        shown: Shown | None = None,
        effect: str | None = None,
        against: tuple[str, ...] = (),
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.reason = reason or type(self).reason
        self.bug = bug
        self.shown = shown
        self.effect = effect
        self.against = against

    def failure(self) -> Failure:
        return Failure(self.reason, self.detail, self.bug, self.shown, self.effect, self.against)


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
    """An exception of the student's code. `account`: its one-line account ("ValueError: ..."), the
    student's own words, which `detail` quotes after `where` (`said`); `kinds`: its classes, most
    derived first, as (module, name); `message`: its message, whole up to `MESSAGE_CHARS`. `kinds`
    and `message` are empty only where the worker's record was malformed or the exception could not
    be read at all."""

    reason = "raised an exception"

    def __init__(
        self,
        account: str,
        *,
        where: str = "",
        reason: str | None = None,
        bug: str | None = None,
        shown: Shown | None = None,
        kinds: tuple[tuple[str, str], ...] = (),
        message: str = "",
    ) -> None:
        self.account = account
        self.kinds = kinds
        self.message = message
        # reports group failures by reason: a class's name, never a sentence (`kind`)
        named = f"raised {self.kind[:60]}" if self.kind != "an exception" else None
        super().__init__(said(where, account), reason=reason or named, bug=bug, shown=shown)
        self.inside: tuple[str, dict[str, tuple[int, ...] | None]] | None = None
        """Where it came out of the grader's code for an earlier question (`student.misused` tells
        it so)."""

    @property
    def kind(self) -> str:
        """The exception's class name where it is an identifier, which holds no sentence: a class
        may be named anything ("an exception" then, or where it is not known)."""
        name = self.kinds[0][1] if self.kinds else ""
        return name if name.isidentifier() else "an exception"

    def told(self, where: str, bug: str | None = None) -> StudentRaised:
        """The same failure told after `where` (the call that raised it) and with the bug it matches
        (`bug`, which replaces any named before), its reason, classes and message kept."""
        told = StudentRaised(
            self.account,
            where=where,
            reason=self.reason,
            bug=bug,
            shown=self.shown,
            kinds=self.kinds,
            message=self.message,
        )
        told.effect = None if bug else self.effect
        told.inside = self.inside
        return told

    def is_builtin(self, name: str) -> bool:
        """Whether the exception is Python's `name` (ValueError, ...) or of a class derived from
        it."""
        return ("builtins", name) in self.kinds


def said(where: str, account: str) -> str:
    """What the student's code raised, in the grader's words around its own, which are quoted:
    `corr2d(X, K): your code raised “ValueError: ...”`."""
    told = f"your code raised {quoted(account) if account else 'an exception'}"
    return f"{where}: {told}" if where else told


class WorkerFailed(StudentError):
    """The worker timed out, crashed, broke the protocol or sent too much; it is restarted for the
    next check."""

    reason = "the worker failed"


class GraderError(Exception):
    """The grader's own fault: the submission cannot be graded, and says so instead of scoring
    zero."""


class SandboxError(GraderError):
    """A sandbox did not start, or stopped answering."""


class IsolationError(SandboxError):
    """A sandbox started but isolates less than its backend promises."""


class InternalError(GraderError):
    """A hidden check itself broke (a bug in the grader, not in the submission)."""


class CommandError(Exception):
    """The command cannot run as asked; the message, one line, says how to fix it."""


class UsageError(CommandError):
    """A misuse of the command itself (not a broken submission): one line, exit 2."""


class ConfigError(CommandError):
    """The configuration file is unusable; the message says where and how to fix it."""


class SeedError(CommandError):
    """The seed file or option is unusable; the message says how to fix it."""


class OutError(CommandError):
    """`--out` cannot be used as asked; the message says how to fix it."""


class BackendError(CommandError):
    """The chosen sandbox cannot run here; the message says how to fix it."""


class ClusterError(CommandError):
    """The Dask cluster named by --scheduler cannot be used (not reachable, no workers, the extra
    not installed): a problem of the command, said in one line before anything is graded."""


class SubmissionError(Exception):
    """The file cannot be graded at all (too large, binary, no code): the submission's `error`."""


class Unparsable(Exception):
    """The text has a syntax error (or code too deeply nested to parse): raised by
    `Source.statements` once the statements above it are read."""

    def __init__(self, line: int, what: str, rest: int) -> None:
        super().__init__(f"line {line}: {what}")
        self.line = line
        """The error's line as Python reports it (else the first line not read)."""
        self.what = what
        """The error in one line: `SyntaxError: expected ':'`."""
        self.rest = rest
        """The first line not read: the start of the statement the error is in, or of one above."""
