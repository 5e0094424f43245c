"""Weight profiles: the YAML files officers edit, read into a :class:`WeightProfile`.

A profile (``criteria/weights/<name>.yaml``) looks like this::

    name: default                # optional; defaults to the file name
    description: Balanced weights for back-office services.   # optional
    missing: error               # optional: error (default) | zero — see below
    method: direct               # direct | swing | ahp (optional when only one block is given)
    weights:                     # method direct: any non-negative numbers, normalised
      distance: 25
      adjacency: 10
      systems: 20
    services:                    # optional per-service overrides, each a whole weight set
      revenues_benefits:
        method: swing
        swing:
          ranking: [systems, distance, adjacency]        # most important swing first
          points: {systems: 100, distance: 60, adjacency: 20}
      building_control:
        method: ahp
        ahp:
          comparisons:           # [a, b, n]: a is n times as important as b (1-9 or 1/9-1)
            - [distance, systems, 5]
            - [distance, adjacency, 3]
            - [adjacency, systems, 2]
          allow_inconsistent: false   # true accepts a consistency ratio above 0.1
    # Instead of method + weights at the top (or in a service), several stakeholders' sets
    # can be given; they are combined by the mean (or geometric mean) of their weights:
    # stakeholders:
    #   members:  {method: direct, weights: {distance: 40, systems: 10, adjacency: 50}}
    #   officers: {method: direct, weights: {distance: 20, systems: 60, adjacency: 20}}
    # combine: mean              # mean | geometric

Every criterion must get a weight (0 is allowed) in every weight set, unless the file
says ``missing: zero``, in which case criteria a set does not mention get weight 0.
A service without an override uses the top-level weights.  Validation reports every
problem in the file at once, each with its line, e.g. ``criteria/weights/default.yaml
line 12: weight 'forty' for 'distance' is not a number``.

Each weight set is checked by the checker of its method (:mod:`.direct`, :mod:`.swing`,
:mod:`.ahp`, :mod:`.stakeholders`); :class:`_ProfileReader` places their problems on the
file's lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .._yaml import did_you_mean, display_path, line_key, load_yaml, to_plain, where
from ..errors import DataValidationError, UnknownServiceError
from ._common import RESERVED_COLUMNS
from .ahp import ahp_problems
from .direct import direct_problems
from .stakeholders import combine_problems
from .swing import swing_problems

__all__ = ["WeightProfile", "load_weight_profile"]

_METHODS = ("direct", "swing", "ahp")
_BLOCK_OF = {"direct": "weights", "swing": "swing", "ahp": "ahp"}
_SET_KEYS = ("method", "weights", "swing", "ahp", "description")
_COMBINED_KEYS = ("stakeholders", "combine", "description")
_TOP_KEYS = ("name", "description", "missing", "services", *_SET_KEYS, "stakeholders", "combine")


@dataclass(frozen=True)
class WeightProfile:
    """A validated weight profile: default weights and per-service overrides.

    Attributes
    ----------
    name, description : str
        From the file.
    criteria : tuple of str
        The criteria, in the order every weight Series uses.
    default : pandas.Series
        Weights for services without an override (sum 1).
    services : dict of str -> pandas.Series
        Per-service overrides (each sums to 1).
    missing : {"error", "zero"}
        The file's policy for criteria a weight set does not mention.
    details : dict
        ``"default"`` or a service id -> the :class:`AHPResult` or :class:`StakeholderWeights`
        behind those weights (only for AHP and stakeholder sets); stakeholders' own AHP
        results under ``"<set>/<stakeholder>"``.
    known_services : tuple of str or None
        The services the profile was checked against, if any.
    source : str
        Where the profile came from.
    """

    name: str
    description: str
    criteria: tuple[str, ...]
    default: pd.Series
    services: dict[str, pd.Series]
    missing: str
    details: dict[str, Any]
    known_services: tuple[str, ...] | None
    source: str
    _spec: dict[str, Any] = field(repr=False)

    def for_service(self, service: str | None = None) -> pd.Series:
        """Return the weights for ``service`` (the default weights when it has no override).

        Parameters
        ----------
        service : str, optional
            A service id; ``None`` for the default weights.

        Returns
        -------
        pandas.Series
            Indexed by :attr:`criteria`, summing to 1 (a copy).

        Raises
        ------
        UnknownServiceError
            If the profile was loaded with a list of services and ``service`` is not in it.
        """
        if service is None:
            return self.default.copy()
        if self.known_services is not None and service not in self.known_services:
            raise UnknownServiceError(
                f"unknown service {service!r}{did_you_mean(service, self.known_services)} "
                f"(weight profile {self.name!r})"
            )
        return self.services.get(service, self.default).copy()

    def to_frame(self) -> pd.DataFrame:
        """Return criteria x (``default`` and each service override) weights.

        Returns
        -------
        pandas.DataFrame
        """
        cols = {"default": self.default, **self.services}
        return pd.DataFrame(cols, index=pd.Index(self.criteria, dtype=object))

    def to_dict(self) -> dict[str, Any]:
        """Return the profile as plain data in the file format (loads back to the same weights).

        Returns
        -------
        dict
        """
        return to_plain(self._spec)

    def save(self, path: str | Path) -> None:
        """Write the profile as YAML to ``path`` (UTF-8).

        Parameters
        ----------
        path : str or path-like
            The file to write.
        """
        text = yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)
        Path(path).write_text(text, encoding="utf-8")


class _ProfileReader:
    """Validates one profile, collecting every problem with its file line.

    Weight sets are read with a ``label`` (e.g. ``"service 'parking': "``) that starts each
    of their messages, and a ``key`` under which AHP / stakeholder details are kept.
    """

    def __init__(self, source: str, criteria: Sequence[str], missing: str):
        self.source = source
        self.criteria = list(criteria)
        self.missing = missing
        self.problems: list[str] = []
        self.details: dict[str, Any] = {}

    def add(self, container: Any, key: Any, label: str, msg: str) -> None:
        self.problems.append(f"{where(self.source, container, key)}: {label}{msg}")

    def add_at(self, node: Any, path: tuple, label: str, msg: str) -> None:
        """Report ``msg`` at the deepest element of ``path`` below ``node`` that exists."""
        container, key = node, None
        for step in path:
            if not _has(node, step):
                break
            container, key, node = node, step, node[step]
        self.add(container, key, label, msg)

    def check_keys(
        self, block: Mapping, allowed: Sequence[str], label: str, inside: str = ""
    ) -> None:
        for key in block:
            if key not in allowed:
                self.add(
                    block, key, label, f"unknown key {key!r}{inside}{did_you_mean(key, allowed)}"
                )

    def check_names(self, node: Any, names: list[tuple[tuple, Any]], label: str) -> bool:
        """Report every name (at its path below ``node``) that is not a criterion."""
        ok = True
        for path, name in names:
            if name not in self.criteria:
                ok = False
                self.add_at(
                    node,
                    path,
                    label,
                    f"unknown criterion {name!r}{did_you_mean(name, self.criteria)}",
                )
        return ok

    def complete(self, raw: pd.Series, parent: Any, pkey: Any, label: str) -> pd.Series | None:
        """Give every criterion a weight (0 under ``missing: zero``) and normalise."""
        absent = [c for c in self.criteria if c not in raw.index]
        if absent and self.missing != "zero":
            self.add(
                parent,
                pkey,
                label,
                f"no weight for {', '.join(map(repr, absent))} — give them a weight (0 is "
                "allowed) or write 'missing: zero' at the top of the file",
            )
            return None
        full = raw.reindex(self.criteria, fill_value=0.0)
        full.index = pd.Index(self.criteria, dtype=object)
        total = full.sum()
        if total <= 0:
            self.add(
                parent,
                pkey,
                label,
                "all weights are zero — give at least one criterion a positive weight",
            )
            return None
        return (full / total).rename("weight")

    def read_set(
        self, parent: Any, pkey: Any, label: str, key: str, allow_stakeholders: bool
    ) -> pd.Series | None:
        """Read the weight set ``parent[pkey]`` (``parent`` itself if ``pkey`` is None)."""
        block = parent if pkey is None else parent[pkey]
        if not isinstance(block, Mapping):
            self.add(
                parent,
                pkey,
                label,
                "must be a mapping with 'method' and 'weights' (or 'swing' or 'ahp')",
            )
            return None
        if allow_stakeholders and "stakeholders" in block:
            return self.read_stakeholders(block, label, key)
        n_before = len(self.problems)
        method = block.get("method")
        if method is None:
            present = [m for m in _METHODS if _BLOCK_OF[m] in block]
            if len(present) != 1:
                what = (
                    "more than one of 'weights', 'swing', 'ahp'"
                    if present
                    else ("no 'weights', 'swing' or 'ahp' block")
                )
                self.add(
                    parent,
                    pkey,
                    label,
                    f"no 'method' and {what} — write e.g. 'method: "
                    "direct' with 'weights: {criterion: weight}'",
                )
                return None
            method = present[0]
        elif method not in _METHODS:
            self.add(
                block,
                "method",
                label,
                f"unknown method {method!r}"
                f"{did_you_mean(method, _METHODS)} (use direct, swing or ahp)",
            )
            return None
        wanted = _BLOCK_OF[method]
        if wanted not in block:
            self.add(parent, pkey, label, f"method is {method!r} but there is no '{wanted}' block")
            return None
        for other in _BLOCK_OF.values():
            if other in block and other != wanted:
                self.add(
                    block,
                    other,
                    label,
                    f"'{other}' does not go with method {method!r} — "
                    "remove it or change the method",
                )
        self.check_keys(block, _SET_KEYS, label)
        if len(self.problems) > n_before:
            return None
        read = {"direct": self.read_direct, "swing": self.read_swing, "ahp": self.read_ahp}
        raw = read[method](block, wanted, label, key)
        if raw is None or len(self.problems) > n_before:
            return None
        return self.complete(raw, parent, pkey, label)

    def read_direct(self, block: Mapping, name: str, label: str, key: str) -> pd.Series | None:
        body = block[name]
        if isinstance(body, Mapping):
            self.check_names(block, [((name, k), k) for k in body], label)
        raw, found = direct_problems(body)
        for path, msg in found:
            self.add_at(block, (name, *path), label, msg)
        return raw

    def read_swing(self, block: Mapping, name: str, label: str, key: str) -> pd.Series | None:
        body = block[name]
        if not isinstance(body, Mapping) or "ranking" not in body or "points" not in body:
            self.add(block, name, label, "'swing' must contain 'ranking' and 'points'")
            return None
        self.check_keys(body, ("ranking", "points"), label, " in 'swing'")
        ranking, points = body["ranking"], body["points"]
        names = []
        if _is_list(ranking):
            names += [((name, "ranking", i), r) for i, r in enumerate(ranking)]
        if isinstance(points, Mapping):
            names += [((name, "points", k), k) for k in points]
        if not self.check_names(block, names, label):
            return None  # a misspelt name would also show up as unranked / without points
        raw, found = swing_problems(ranking, points)
        for path, msg in found:
            self.add_at(block, (name, *path), label, msg)
        return raw

    def read_ahp(self, block: Mapping, name: str, label: str, key: str) -> pd.Series | None:
        body = block[name]
        if not isinstance(body, Mapping) or "comparisons" not in body:
            self.add(block, name, label, "'ahp' must contain 'comparisons'")
            return None
        self.check_keys(body, ("comparisons", "allow_inconsistent"), label, " in 'ahp'")
        allow = body.get("allow_inconsistent", False)
        if not isinstance(allow, bool):
            self.add(
                body,
                "allow_inconsistent",
                label,
                f"'allow_inconsistent' must be true or false, got {allow!r}",
            )
            return None
        comps = body["comparisons"]
        allowed = self.criteria
        if _is_list(comps):
            triples = [(i, t) for i, t in enumerate(comps) if _is_list(t) and len(t) == 3]
            names = [(("comparisons", i), c) for i, t in triples for c in t[:2]]
            if not self.check_names(body, names, label):
                return None
            if self.missing == "zero":  # a partial AHP compares only the criteria it names
                allowed = list(dict.fromkeys(c for _, c in names))
        result, found = ahp_problems(comps, allowed, allow)
        for path, msg in found:
            self.add_at(body, ("comparisons", *path), label, msg)
        if result is None or found:
            return None
        self.details[key] = result
        return result.weights

    def read_stakeholders(self, block: Mapping, label: str, key: str) -> pd.Series | None:
        n_before = len(self.problems)
        for k in block:
            if k not in _COMBINED_KEYS:
                hint = (
                    " — with 'stakeholders', each stakeholder gets its own method and weights"
                    if k in _SET_KEYS
                    else did_you_mean(k, _COMBINED_KEYS)
                )
                self.add(block, k, label, f"unknown key {k!r}{hint}")
        method = block.get("combine", "mean")
        if method not in ("mean", "geometric"):
            self.add(
                block,
                "combine",
                label,
                f"'combine' must be mean or geometric, got "
                f"{method!r}{did_you_mean(method, ('mean', 'geometric'))}",
            )
        people = block["stakeholders"]
        if not isinstance(people, Mapping) or not people:
            self.add(
                block,
                "stakeholders",
                label,
                "'stakeholders' must map each stakeholder's name to a weight set",
            )
            return None
        sets: dict[Any, pd.Series] = {}
        for name in people:
            if name in RESERVED_COLUMNS:
                self.add(
                    people, name, label, f"a stakeholder may not be called {name!r} — rename it"
                )
            s = self.read_set(
                people,
                name,
                f"{label}stakeholder {name!r}: ",
                f"{key}/{name}",
                allow_stakeholders=False,
            )
            if s is not None:
                sets[name] = s
        if len(self.problems) > n_before:
            return None
        result, found = combine_problems(sets, method)  # sets are complete and valid here
        for _, msg in found:
            self.add(block, "stakeholders", label, msg)
        if result is None:
            return None
        self.details[key] = result
        return result.combined


def _is_list(x: Any) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, str | bytes)


def _has(container: Any, key: Any) -> bool:
    if isinstance(container, Mapping):
        return key in container
    if isinstance(container, list) and isinstance(key, int):
        return 0 <= key < len(container)
    return False


def load_weight_profile(
    path_or_dict: str | Path | Mapping[str, Any],
    *,
    criteria: Sequence[str],
    services: Sequence[str] | None = None,
) -> WeightProfile:
    """Read and validate a weight profile (the file format is in this module's docstring).

    Parameters
    ----------
    path_or_dict : str, path-like or mapping
        A YAML file, or the same structure as a dict (e.g. from :meth:`WeightProfile.to_dict`).
    criteria : sequence of str
        Every criterion the scoring uses, in the order the weights should follow.
    services : sequence of str, optional
        Valid service ids; service overrides (and later ``for_service`` calls) are checked
        against them.

    Returns
    -------
    WeightProfile

    Raises
    ------
    DataValidationError
        Listing every problem in the file, each with its line: unknown keys, criteria or
        services (with suggestions), weights that are not numbers or negative, all-zero
        weights, criteria without a weight (unless ``missing: zero``), swing points
        inconsistent with the ranking, malformed, missing or too inconsistent AHP judgements.
    """
    if isinstance(path_or_dict, Mapping):
        data = path_or_dict
        source = f"weight profile {data.get('name')!r}" if data.get("name") else "weight profile"
        default_name = "weights"
    else:
        source = display_path(path_or_dict)
        data = load_yaml(path_or_dict)
        default_name = Path(path_or_dict).stem
    crit = list(criteria)
    if len(set(crit)) != len(crit) or not crit:
        raise ValueError("criteria must be a non-empty list of distinct names")
    if not isinstance(data, Mapping):
        raise DataValidationError(
            source, [f"{source}: a weight profile must be a mapping (name, method, weights, ...)"]
        )
    missing = data.get("missing", "error")
    reader = _ProfileReader(source, crit, missing if missing in ("error", "zero") else "error")
    if missing not in ("error", "zero"):
        reader.add(data, "missing", "", f"'missing' must be 'error' or 'zero', got {missing!r}")
    for key in data:
        if key not in _TOP_KEYS:
            reader.add(data, key, "", f"unknown key {key!r}{did_you_mean(key, _TOP_KEYS)}")
    for key in ("name", "description"):
        if key in data and not isinstance(data[key], str):
            reader.add(data, key, "", f"'{key}' must be text, got {data[key]!r}")

    top = {k: v for k, v in data.items() if k in (*_SET_KEYS, "stakeholders", "combine")}
    top.pop("description", None)
    default = None
    if not top:
        reader.add(
            data,
            None,
            "",
            "no weights: give 'method' and 'weights' (or 'swing', 'ahp' or 'stakeholders')",
        )
    elif "stakeholders" in top and any(k in top for k in _SET_KEYS):
        reader.add(
            data,
            "stakeholders",
            "",
            "give either 'stakeholders' or a single weight "
            "set ('method' with 'weights', 'swing' or 'ahp'), not both",
        )
    else:
        default = reader.read_set(_Box(data, top), None, "", "default", allow_stakeholders=True)

    overrides: dict[str, pd.Series] = {}
    svc_block = data.get("services")
    if svc_block is not None:
        if not isinstance(svc_block, Mapping):
            reader.add(data, "services", "", "'services' must map service ids to weight sets")
        else:
            for svc in svc_block:
                label = f"service {svc!r}: "
                if services is not None and svc not in services:
                    reader.add(
                        svc_block, svc, "", f"unknown service {svc!r}{did_you_mean(svc, services)}"
                    )
                    continue
                s = reader.read_set(svc_block, svc, label, str(svc), allow_stakeholders=True)
                if s is not None:
                    overrides[str(svc)] = s
    if reader.problems:
        raise DataValidationError(source, sorted(reader.problems, key=line_key))
    spec = to_plain(data)
    spec.setdefault("name", default_name)
    return WeightProfile(
        name=str(spec["name"]),
        description=str(data.get("description", "")),
        criteria=tuple(crit),
        default=default,
        services=overrides,
        missing=missing,
        details=reader.details,
        known_services=tuple(services) if services is not None else None,
        source=source,
        _spec=spec,
    )


class _Box(dict):
    """The top-level weight-set keys of a profile, keeping the profile's line numbers."""

    def __init__(self, data: Mapping, keys: Mapping):
        super().__init__(keys)
        self.line = getattr(data, "line", None)
        self.lines = getattr(data, "lines", {})
