"""Exceptions raised by partnerfit.

Every error a user can cause carries a plain-English message that names the
file, line or row at fault and says how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable


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


class SolverError(PartnerfitError):
    """A solver failed or is not available; the message says which and what to do."""


class ExportError(PartnerfitError):
    """A report could not be written: a figure failed to draw, a file cannot be replaced ..."""
