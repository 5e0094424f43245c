"""The service catalogue: which tiers deliver a service, how much geography and systems matter.

Read from ``criteria/services.yaml`` (bundled) or a user's file of the same form; every problem in
the file is reported at once with its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ._dates import DateLike, to_date, today
from ._paths import bundled
from ._yaml import did_you_mean, display_path, load_yaml, where
from .errors import DataValidationError, ServiceNotDeliveredError, UnknownServiceError
from .formatting import name_in_sentence
from .register import TIERS, find_council, load_councils

__all__ = [
    "FAMILIES",
    "GEOGRAPHY_LEVELS",
    "NATION_TIERS",
    "REGIME_DIFFERENCES",
    "RegimeRule",
    "check_delivers",
    "check_families",
    "check_service",
    "eligible",
    "load_services",
    "name_in_sentence",
    "services",
    "tier_delivers",
]


FAMILIES = ("back_office", "customer", "regulatory", "place", "people")
GEOGRAPHY_LEVELS = ("low", "medium", "high")
SYSTEM_FUNCTIONS = ("finance", "hr_payroll", "revenues_benefits", "housing", "crm",
                    "document_management", "social_care", "environmental_health",
                    "building_control", "licensing", "waste", "planning")
_UNITARY_LIKE = ("unitary", "metropolitan_borough", "london_borough", "welsh_unitary",
                 "scottish_unitary", "sui_generis")
TIER_GROUPS = {
    "all": TIERS,
    "lower": ("non_metropolitan_district", *_UNITARY_LIKE),
    "upper": ("county", *_UNITARY_LIKE),
}
_FIELDS = ("name", "family", "delivered_by", "geography", "systems")
#: The tiers of each nation (so the catalogue can be read per nation).
NATION_TIERS = {
    "england": ("county", "non_metropolitan_district", "unitary", "metropolitan_borough",
                "london_borough", "sui_generis"),
    "wales": ("welsh_unitary",),
    "scotland": ("scottish_unitary",),
}


#: How the law behind a service differs between two nations (``jurisdiction:`` in the catalogue).
REGIME_DIFFERENCES = ("separate", "details")
_SOURCE_FIELDS = ("title", "publisher", "date", "url")
_RULE_FIELDS = ("nations", "differs", "says", "sources", "from")
_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True)
class RegimeRule:
    """Where the law behind one service differs between two nations.

    Attributes
    ----------
    nations : frozenset of str
        The two nations (``england``, ``wales``, ``scotland``).
    differs : str
        ``separate`` (a council under one regime cannot lawfully deliver the service for a
        council under the other) or ``details`` (the same framework, differing in detail).
    says : dict
        Nation -> the plain-English sentence shown for a candidate in that nation.
    sources : tuple of dict
        Each with ``title``, ``publisher``, ``date`` and ``url``.
    start : pandas.Timestamp or None
        The first day the difference holds (``from:``; None = on every date covered).
    """

    nations: frozenset[str]
    differs: str
    says: dict[str, str]
    sources: tuple[dict[str, str], ...]
    start: pd.Timestamp | None = None

    def applies(self, date: pd.Timestamp | None) -> bool:
        """Whether the difference holds on ``date`` (None: any date)."""
        return self.start is None or date is None or date >= self.start


def load_services(path: str | Path | None = None) -> pd.DataFrame:
    """Load and validate a service catalogue file.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        YAML file in the form of the bundled ``criteria/services.yaml``; default the bundled one.

    Returns
    -------
    pandas.DataFrame
        Indexed by service id: ``name, family, delivered_by`` (tuple of tiers),
        ``geography`` (low/medium/high), ``systems`` (tuple of IT-system functions), and
        ``tiers_england``, ``tiers_wales``, ``tiers_scotland``: the part of ``delivered_by`` in
        each nation (empty where no council there delivers the service), and ``jurisdiction``:
        a tuple of :class:`RegimeRule`, one per pair of nations whose law differs for the
        service (empty where the catalogue records no difference).
    """
    if path is None:
        return _bundled_services().copy()
    return _parse(Path(path))


@lru_cache(maxsize=1)
def _bundled_services() -> pd.DataFrame:
    return _parse(bundled("criteria", "services.yaml"))


def _parse(path: Path) -> pd.DataFrame:
    source = display_path(path)
    data = load_yaml(path)
    problems: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        raise DataValidationError(source, [(
            "the file must have a top-level 'services:' mapping of service id -> "
            "{name, family, delivered_by, geography, systems}")])
    block = data["services"]
    rows = {}
    for sid, spec in block.items():
        at = where(source, block, sid)
        if not isinstance(sid, str) or not sid.replace("_", "").isalnum() or sid != sid.lower():
            problems.append(f"{at}: service id {sid!r} must be snake_case, e.g. 'building_control'")
        if not isinstance(spec, dict):
            problems.append(f"{at}: service {sid!r} must be a mapping with {', '.join(_FIELDS)}")
            continue
        for key in spec:
            if key not in _FIELDS:
                problems.append(f"{where(source, spec, key)}: unknown field {key!r} in service "
                                f"{sid!r}{did_you_mean(key, _FIELDS)}")
        for key in _FIELDS:
            if key not in spec:
                problems.append(f"{at}: service {sid!r} has no {key!r}")
        if spec.get("family") is not None and spec.get("family") not in FAMILIES:
            problems.append(f"{where(source, spec, 'family')}: family {spec.get('family')!r} of "
                            f"{sid!r} is not one of {', '.join(FAMILIES)}"
                            f"{did_you_mean(spec.get('family'), FAMILIES)}")
        if spec.get("geography") is not None and spec.get("geography") not in GEOGRAPHY_LEVELS:
            problems.append(f"{where(source, spec, 'geography')}: geography "
                            f"{spec.get('geography')!r} of {sid!r} must be low, medium or high")
        tiers: list[str] = []
        delivered = spec.get("delivered_by", [])
        if not isinstance(delivered, list) or not delivered:
            problems.append(f"{where(source, spec, 'delivered_by')}: delivered_by of {sid!r} must "
                            "be a non-empty list of tiers or all/lower/upper")
            delivered = []
        for t in delivered:
            if t in TIER_GROUPS:
                tiers.extend(TIER_GROUPS[t])
            elif t in TIERS:
                tiers.append(t)
            else:
                problems.append(f"{where(source, spec, 'delivered_by')}: tier {t!r} of {sid!r} "
                                f"is not a tier{did_you_mean(t, (*TIERS, *TIER_GROUPS))}")
        systems = spec.get("systems", [])
        if not isinstance(systems, list):
            problems.append(f"{where(source, spec, 'systems')}: systems of {sid!r} must be a list")
            systems = []
        for f in systems:
            if f not in SYSTEM_FUNCTIONS:
                problems.append(f"{where(source, spec, 'systems')}: system function {f!r} of "
                                f"{sid!r} is not one of {', '.join(SYSTEM_FUNCTIONS)}"
                                f"{did_you_mean(f, SYSTEM_FUNCTIONS)}")
        rows[sid] = {
            "name": str(spec.get("name", sid)),
            "family": spec.get("family"),
            "delivered_by": tuple(t for t in TIERS if t in set(tiers)),
            "geography": spec.get("geography"),
            "systems": tuple(systems),
        }
    rules = _parse_jurisdiction(source, data, set(rows), problems)
    if problems:
        raise DataValidationError(source, problems)
    out = pd.DataFrame.from_dict(rows, orient="index").rename_axis("service").sort_index()
    for nation, of_nation in NATION_TIERS.items():
        out[f"tiers_{nation}"] = [tuple(t for t in d if t in of_nation)
                                  for d in out["delivered_by"]]
    out["jurisdiction"] = [rules.get(sid, ()) for sid in out.index]
    return out


def _parse_jurisdiction(source: str, data: dict, known: set[str],
                        problems: list[str]) -> dict[str, tuple[RegimeRule, ...]]:
    """The ``jurisdiction:`` block: service id -> its rules; problems appended with lines."""
    block = data.get("jurisdiction")
    if block is None:
        return {}
    if not isinstance(block, dict):
        problems.append(f"{where(source, data, 'jurisdiction')}: 'jurisdiction:' must map "
                        "service ids to a list of rules (nations, differs, says, sources)")
        return {}
    out: dict[str, tuple[RegimeRule, ...]] = {}
    for sid, items in block.items():
        at = where(source, block, sid)
        if sid not in known:
            problems.append(f"{at}: jurisdiction names service {sid!r}, which is not in "
                            f"'services:'{did_you_mean(sid, known)}")
            continue
        if not isinstance(items, list) or not items:
            problems.append(f"{at}: jurisdiction of {sid!r} must be a non-empty list of rules, "
                            "each with nations, differs, says and sources")
            continue
        rules = [_rule(source, items, i, sid, problems) for i in range(len(items))]
        seen: set[frozenset[str]] = set()
        for i, rule in enumerate(rules):
            if rule is not None and rule.nations in seen:
                problems.append(f"{where(source, items, i)}: jurisdiction of {sid!r} gives "
                                f"{' and '.join(sorted(rule.nations))} twice; keep one rule "
                                "per pair of nations")
            elif rule is not None:
                seen.add(rule.nations)
        out[sid] = tuple(r for r in rules if r is not None)
    return out


def _rule(source: str, items: list, i: int, sid: str, problems: list[str]) -> RegimeRule | None:
    """One jurisdiction rule checked (None, with problems appended, if it is wrong)."""
    spec = items[i]
    at = where(source, items, i)
    if not isinstance(spec, dict):
        problems.append(f"{at}: a jurisdiction rule of {sid!r} must be a mapping with "
                        f"{', '.join(_RULE_FIELDS)}")
        return None
    before = len(problems)
    for key in spec:
        if key not in _RULE_FIELDS:
            problems.append(f"{where(source, spec, key)}: unknown field {key!r} in a "
                            f"jurisdiction rule of {sid!r}{did_you_mean(key, _RULE_FIELDS)}")
    for key in _RULE_FIELDS[:-1]:
        if key not in spec:
            problems.append(f"{at}: a jurisdiction rule of {sid!r} has no {key!r}")
    start = str(spec.get("from") or "")
    if start and not re.match(r"^\d{4}-\d{2}-\d{2}$", start):
        problems.append(f"{where(source, spec, 'from')}: from {start!r} of a jurisdiction rule "
                        f"of {sid!r} must be a date YYYY-MM-DD (the first day it holds)")
    nations = spec.get("nations")
    if "nations" in spec and (not isinstance(nations, list) or len(nations) != 2
                              or len(set(map(str, nations))) != 2
                              or any(n not in NATION_TIERS for n in nations)):
        problems.append(f"{where(source, spec, 'nations')}: nations of a jurisdiction rule of "
                        f"{sid!r} must be two different nations of {', '.join(NATION_TIERS)} "
                        f"(got {nations!r})")
    differs = spec.get("differs")
    if "differs" in spec and differs not in REGIME_DIFFERENCES:
        problems.append(f"{where(source, spec, 'differs')}: differs {differs!r} of {sid!r} must "
                        f"be separate (cannot deliver across the line) or details (differs in "
                        f"detail){did_you_mean(differs, REGIME_DIFFERENCES)}")
    says = spec.get("says")
    if "says" in spec and isinstance(nations, list) and (
            not isinstance(says, dict) or set(says) != set(nations)
            or not all(isinstance(v, str) and v.strip() for v in says.values())):
        problems.append(f"{where(source, spec, 'says')}: says of a jurisdiction rule of {sid!r} "
                        f"must give one sentence for each of {' and '.join(map(str, nations))}")
    sources = spec.get("sources")
    if "sources" in spec:
        _check_sources(source, spec, sid, problems)
    if len(problems) > before:
        return None
    assert isinstance(nations, list) and isinstance(says, dict) and isinstance(sources, list)
    return RegimeRule(frozenset(nations), str(differs),
                      {str(k): str(v).strip() for k, v in says.items()},
                      tuple({k: str(s.get(k) or "").strip() for k in _SOURCE_FIELDS}
                            for s in sources),
                      pd.Timestamp(start) if start else None)


def _check_sources(source: str, spec: dict, sid: str, problems: list[str]) -> None:
    sources = spec["sources"]
    if not isinstance(sources, list) or not sources:
        problems.append(f"{where(source, spec, 'sources')}: a jurisdiction rule of {sid!r} needs "
                        "at least one source (title, publisher, date, url)")
        return
    for j, src in enumerate(sources):
        at = where(source, sources, j)
        if not isinstance(src, dict):
            problems.append(f"{at}: a source of {sid!r} must be a mapping with "
                            f"{', '.join(_SOURCE_FIELDS)}")
            continue
        for key in src:
            if key not in _SOURCE_FIELDS:
                problems.append(f"{where(source, src, key)}: unknown field {key!r} in a source "
                                f"of {sid!r}{did_you_mean(key, _SOURCE_FIELDS)}")
        for key in ("title", "publisher", "url"):
            if not str(src.get(key) or "").strip():
                problems.append(f"{at}: a source of {sid!r} has no {key}")
        url = str(src.get("url") or "")
        if url and not url.startswith(("http://", "https://")):
            problems.append(f"{where(source, src, 'url')}: url {url!r} of a source of {sid!r} "
                            "must start with http:// or https://")
        date = str(src.get("date") or "")
        if date and not _DATE_RE.match(date):
            problems.append(f"{where(source, src, 'date')}: date {date!r} of a source of {sid!r} "
                            "must be YYYY, YYYY-MM or YYYY-MM-DD, or empty")


def services() -> pd.DataFrame:
    """The bundled service catalogue as a DataFrame (see :func:`load_services`)."""
    return load_services()


def check_service(service: str, catalogue: pd.DataFrame | None = None) -> str:
    """Return ``service`` if it is in the catalogue, else raise with close matches.

    Raises
    ------
    UnknownServiceError
        ``"Unknown service 'revenue_benefits' — did you mean 'revenues_benefits'?"``
    """
    cat = services() if catalogue is None else catalogue
    if service in cat.index:
        return service
    hint = did_you_mean(service, cat.index)
    raise UnknownServiceError(
        f"Unknown service {service!r}{hint or '.'} Services are: {', '.join(cat.index)}.")


def check_families(families: Iterable[str]) -> list[str]:
    """Return ``families`` as a list if every one is a service family, else raise.

    Parameters
    ----------
    families : iterable of str
        Family names (see :data:`FAMILIES`).

    Returns
    -------
    list of str

    Raises
    ------
    UnknownServiceError
        Naming the first unknown family, with close matches and the list of families.
    """
    families = list(families)
    for f in families:
        if f not in FAMILIES:
            raise UnknownServiceError(
                f"Unknown service family {f!r}{did_you_mean(f, FAMILIES) or '.'} "
                f"Families are: {', '.join(FAMILIES)}.")
    return families


def tier_delivers(tier: str, service: str, catalogue: pd.DataFrame | None = None) -> bool:
    """Whether councils of ``tier`` deliver ``service``."""
    cat = services() if catalogue is None else catalogue
    return tier in cat.at[check_service(service, cat), "delivered_by"]


def eligible(council: str, service: str, as_of: DateLike = None, *,
             catalogue: pd.DataFrame | None = None, councils: pd.DataFrame | None = None) -> bool:
    """Whether ``council`` delivers ``service`` (so can share it), judged by its tier.

    Parameters
    ----------
    council : str
        GSS code or name (resolved on ``as_of``).
    service : str
        Service id from the catalogue.
    as_of : date-like, optional
        Date the council must be in force.

    Examples
    --------
    >>> eligible("Lancashire", "revenues_benefits")
    False
    >>> eligible("Lancaster", "revenues_benefits")
    True
    """
    code = find_council(council, as_of, councils=councils)
    tier = load_councils(councils=councils).at[code, "tier"]
    return tier_delivers(tier, service, catalogue)


def _official(reg: pd.DataFrame, code: str) -> str:
    return str(reg.at[code, "official_name"] or reg.at[code, "name"])


def check_delivers(code: str, service: str, as_of: DateLike = None, *,
                   catalogue: pd.DataFrame | None = None,
                   councils: pd.DataFrame | None = None) -> None:
    """Refuse a service council ``code`` does not deliver, naming who delivers it there.

    Parameters
    ----------
    code : str
        GSS code of the council.
    service : str
        Service id from the catalogue.
    as_of : date-like, optional
        Date of the map (default today), for the councils that deliver it instead.

    Raises
    ------
    ServiceNotDeliveredError
        Also a ``ValueError``.

    Examples
    --------
    >>> check_delivers("E07000121", "highways", "2014-06-01")
    Traceback (most recent call last):
    ...
    partnerfit.errors.ServiceNotDeliveredError: highways in Lancaster is delivered by Lancashire County Council, not by Lancaster City Council (a district council); shortlist Lancashire for highways, or choose a service Lancaster delivers.
    """
    cat = services() if catalogue is None else catalogue
    reg = load_councils(councils=councils)
    tier = reg.at[code, "tier"]
    if tier_delivers(tier, service, cat):
        return
    label = name_in_sentence(str(cat.at[service, "name"]))
    name = reg.at[code, "name"]
    county = reg.at[code, "county"]
    if tier == "non_metropolitan_district" and county in reg.index:
        raise ServiceNotDeliveredError(
            f"{label} in {name} is delivered by {_official(reg, county)}, not by "
            f"{_official(reg, code)} (a district council); shortlist {reg.at[county, 'name']} "
            f"for {label}, or choose a service {name} delivers.")
    date = to_date(as_of) or today()
    live = load_councils(date, councils=councils)
    if tier == "county":
        below = live[(live["county"] == code)
                     & live["tier"].map(lambda t: tier_delivers(t, service, cat))]
        if len(below):
            names = ", ".join(sorted(below["name"]))
            raise ServiceNotDeliveredError(
                f"{label} in {name} is delivered by its {len(below)} district councils "
                f"({names}), not by {_official(reg, code)}; shortlist one of them for {label}, "
                f"or choose a service {name} delivers.")
    raise ServiceNotDeliveredError(
        f"{_official(reg, code)} (a {tier.replace('_', ' ')} council) does not deliver "
        f"{label}; choose a service it delivers.")
