"""Exceptions raised by partnerfit.

Every error a user can cause carries a plain-English message that names the
file, line or row at fault and says how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .weights.ahp import AHPResult


class PartnerfitError(Exception):
    """Base class of every error partnerfit raises on purpose."""


class DataValidationError(PartnerfitError, ValueError):
    """A table or configuration file has one or more problems.

    Parameters
    ----------
    source : str
        What was being read (a file path or a description such as ``"links table"``).
    problems : iterable of str
        One plain-English sentence per problem, each naming its line or row.
    """

    def __init__(self, source: str, problems: Iterable[str]):
        self.source = source
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{source}: {n} problem{'s' if n != 1 else ''} found"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))


class UnknownCouncilError(PartnerfitError, LookupError):
    """A council name or code could not be resolved (or was not in force on the date)."""

    def __init__(self, message: str, suggestions: Iterable[str] = ()):
        self.suggestions = list(suggestions)
        super().__init__(message)

    def __str__(self) -> str:  # LookupError would otherwise repr() the message
        return str(self.args[0])


class UnknownServiceError(PartnerfitError, LookupError):
    """A service id is not in the catalogue."""

    def __str__(self) -> str:
        return str(self.args[0])


class InfeasibleError(PartnerfitError):
    """The optimiser's constraints cannot all be met; the message names the conflict."""


class PlanVerificationError(PartnerfitError):
    """A plan breaks one or more of its constraints; ``problems`` lists each one."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        n = len(self.problems)
        super().__init__(f"plan verification found {n} problem{'s' if n != 1 else ''}:\n"
                         + "\n".join(f"  - {p}" for p in self.problems))


class SolverError(PartnerfitError):
    """A solver failed or is not available; the message says which and what to do."""


class SensitivityError(PartnerfitError, ValueError):
    """A sensitivity analysis cannot be run as asked (the message says why and what to do)."""


class AHPInconsistencyError(DataValidationError):
    """AHP judgements with a consistency ratio above 0.1; ``.result`` holds the computation.

    Raised by :func:`partnerfit.weights.ahp_weights` (and importable from there).

    Parameters
    ----------
    source : str
        What was being read.
    problems : sequence of str
        The consistency ratio, then the judgements furthest from the weights.
    result : partnerfit.weights.AHPResult
        The weights and consistency computed from the judgements.
    """

    def __init__(self, source: str, problems: Sequence[str], result: AHPResult):
        super().__init__(source, problems)
        self.result = result


class NoPathError(PartnerfitError, LookupError):
    """Two councils are not connected in the sharing network.

    Raised by :func:`partnerfit.network.shortest_path` (and importable from there).
    """

    def __str__(self) -> str:
        return str(self.args[0])


class ExportError(PartnerfitError):
    """A report could not be written: a figure failed to draw, a file cannot be replaced ..."""


class FileFormatError(DataValidationError):
    """A user's file cannot be read as a table or text: wrong encoding, empty, binary, not a
    workbook, a ragged line. Also a ``ValueError``.

    Parameters
    ----------
    source : str
        The file.
    problem : str
        One sentence saying what is wrong and how to fix it.
    line : int, optional
        The line (or workbook row) at fault, where there is one.
    """

    def __init__(self, source: str, problem: str, *, line: int | None = None):
        super().__init__(source, [problem])
        self.line = line
        self.args = (f"{source}: {problem}",)

    def __str__(self) -> str:
        return str(self.args[0])


class TableFileNotFoundError(PartnerfitError, FileNotFoundError):
    """A user's file does not exist (or is a folder); the message names it."""

    def __str__(self) -> str:
        return str(self.args[0])


class TableTypeError(PartnerfitError, TypeError):
    """A table argument is neither a file path nor a DataFrame."""


class ArgumentError(PartnerfitError, ValueError):
    """An argument is out of range, not finite, or of the wrong kind; the message names the
    argument and says what to give instead."""


class ArgumentTypeError(PartnerfitError, TypeError):
    """An argument has the wrong type (a string where a list is expected ...); the message
    names the argument and the fix."""


class ServiceNotDeliveredError(PartnerfitError, ValueError):
    """A council was asked about a service its tier does not deliver; the message names the
    council that delivers it there."""


class NotACandidateError(PartnerfitError, KeyError):
    """A council asked about on a shortlist is not one of its candidates (it is the council the
    shortlist is for, or was screened out); the message says which and why."""

    def __str__(self) -> str:
        return str(self.args[0])


class UnknownKindError(PartnerfitError, LookupError):
    """An arrangement kind (``kinds=``) is not one of the kinds of the register."""

    def __str__(self) -> str:
        return str(self.args[0])


class PDFEngineMissingError(ExportError):
    """A PDF was asked for but neither WeasyPrint nor a Chrome / Chromium / Edge browser is
    installed; the message says what to install."""
