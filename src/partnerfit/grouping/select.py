"""Which councils a plan covers: selectors, name lists and council pairs, resolved on a date."""

from __future__ import annotations

from .._dates import DateLike, to_date, today
from ..errors import DataValidationError, UnknownCouncilError
from ..register import find_council, load_councils

__all__ = ["resolve_councils", "resolve_pairs", "select_councils"]

_SELECTORS = ("region", "county", "nation")


def select_councils(selector: str, as_of: DateLike = None) -> list[str]:
    """Councils in force on ``as_of`` picked by a selector string.

    Parameters
    ----------
    selector : str
        ``"region:<name>"`` (every council of the English region, all tiers),
        ``"county:<county name>"`` (the districts of that county in force on the date) or
        ``"nation:<England|Wales|Scotland|Northern Ireland>"``. Matching ignores case.
    as_of : date-like, optional
        Date (default today).

    Returns
    -------
    list of str
        GSS codes, sorted.

    Raises
    ------
    DataValidationError
        If the selector is malformed or matches no council (the message lists valid values).
    UnknownCouncilError
        If the county of ``county:`` cannot be found.
    """
    date = to_date(as_of) or today()
    kind, sep, value = str(selector).partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if not sep or kind not in _SELECTORS or not value:
        raise DataValidationError("councils selector", [
            (f"{selector!r} is not a selector; write 'region:<name>', 'county:<name>' or "
            "'nation:<name>', or give a list of council names or codes")])
    reg = load_councils(date)
    if kind == "county":
        code = find_council(value, date)
        if reg.at[code, "tier"] != "county":
            raise DataValidationError("councils selector", [
                f"{selector!r}: {reg.at[code, 'name']} ({code}) is a "
                f"{reg.at[code, 'tier']}, not a county; counties on {date:%Y-%m-%d}: "
                + ", ".join(sorted(reg.loc[reg["tier"] == "county", "name"]))])
        out = reg.index[reg["county"] == code]
    else:
        col = reg[kind].fillna("").astype(str)
        out = reg.index[col.str.lower() == value.lower()]
        if len(out) == 0:
            valid = sorted(v for v in col.unique() if v)
            raise DataValidationError("councils selector", [
                (f"{selector!r} matches no council in force on {date:%Y-%m-%d}; valid "
                f"{kind} values: {', '.join(valid)}")])
    if len(out) == 0:
        raise DataValidationError("councils selector", [
            f"{selector!r} matches no council in force on {date:%Y-%m-%d}"])
    return sorted(out)


def resolve_councils(councils, date) -> list[str]:
    if isinstance(councils, str):
        if ":" in councils:
            return select_councils(councils, date)
        raise DataValidationError("councils", [
            (f"{councils!r} is a single council; give a list of councils or a selector such "
            "as 'county:Lancashire'")])
    codes: list[str] = []
    errors: list[UnknownCouncilError] = []
    seen: dict[str, object] = {}
    dups: list[str] = []
    for q in councils:
        try:
            c = find_council(q, date)
        except UnknownCouncilError as exc:
            errors.append(exc)
            continue
        if c in seen:
            dups.append(f"{q!r} and {seen[c]!r} are the same council ({c})")
        else:
            seen[c] = q
            codes.append(c)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise UnknownCouncilError(
            f"{len(errors)} councils could not be found:\n" +
            "\n".join(f"  - {e}" for e in errors),
            [s for e in errors for s in e.suggestions])
    if dups:
        raise DataValidationError("councils", [d + "; give each council once" for d in dups])
    return sorted(codes)


def resolve_pairs(name: str, pairs, date, pos, problems) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for item in pairs or ():
        if isinstance(item, str) or len(item) != 2:
            problems.append(f"{name}: {item!r} is not a pair of councils")
            continue
        a, b = (find_council(x, date) for x in item)
        miss = [x for x in (a, b) if x not in pos]
        if miss:
            problems.append(f"{name}: {item!r} names {miss}, not among the chosen councils")
        elif a == b:
            problems.append(f"{name}: {item!r} pairs a council with itself")
        else:
            out.append((a, b) if a <= b else (b, a))
    return out
