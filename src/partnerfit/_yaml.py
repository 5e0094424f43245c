"""Load YAML safely while remembering the source line of every key and item.

Configuration files in partnerfit are read by council officers, so every
message about them must name the file and line at fault.  PyYAML's safe
loader returns plain dicts and lists and forgets where things came from; it
also silently keeps the last of two duplicate keys.  This module fixes both:

* mappings load as :class:`YamlDict` (a ``dict``) with ``.line`` (the line
  the mapping starts on) and ``.lines`` (key -> line of that key);
* sequences load as :class:`YamlList` (a ``list``) with ``.line`` and
  ``.lines`` (index -> line of that item);
* a duplicate key, a syntax error or an unsupported tag becomes a
  :class:`~partnerfit.errors.DataValidationError` naming the file and line;
* numbers follow YAML 1.2 rather than PyYAML's YAML 1.1 rules, so nothing an
  officer types is silently turned into a different number: ``010`` and
  ``1:30`` stay text (YAML 1.1 reads them as 8 and 90) and are then reported
  by the validator as "not a number"; ``1e3`` is the number 1000 (YAML 1.1
  leaves it as text).  Booleans keep the YAML 1.1 words (``yes``/``no``/
  ``on``/``off`` as well as ``true``/``false``).

Scalars are the ordinary Python objects PyYAML's safe loader builds (str,
int, float, bool, None, date).  Use :func:`line_of` / :func:`where` to turn a
container plus key into a "file line N" prefix for messages; both work on
plain dicts and lists too (they then just name the file).  :func:`at` moves an
existing "file line N" prefix to the line of an item inside a container, and
:func:`to_plain` turns loaded data back into plain dicts and lists (for
``yaml.safe_dump``, which refuses subclasses).  :func:`as_number` and
:func:`did_you_mean` are small helpers shared by the configuration validators.
"""

from __future__ import annotations

import difflib
import math
import numbers
import os
import re
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any

import yaml

from .errors import DataValidationError, TableFileNotFoundError
from .reading import read_text

__all__ = [
    "YamlDict",
    "YamlList",
    "as_number",
    "at",
    "did_you_mean",
    "display_path",
    "is_finite_number",
    "line_key",
    "line_of",
    "load_yaml",
    "load_yaml_string",
    "to_plain",
    "where",
]

_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlDict(dict):
    """A ``dict`` loaded from YAML that remembers source lines.

    Attributes
    ----------
    line : int or None
        1-based line on which the mapping starts.
    lines : dict
        Key -> 1-based line on which that key is written.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line: int | None = None
        self.lines: dict[Any, int] = {}


class YamlList(list):
    """A ``list`` loaded from YAML that remembers source lines.

    Attributes
    ----------
    line : int or None
        1-based line on which the sequence starts.
    lines : list of int
        1-based line of each item, in order.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.line: int | None = None
        self.lines: list[int] = []


class _LineLoader(yaml.SafeLoader):
    """Safe loader building :class:`YamlDict` / :class:`YamlList` and catching duplicates."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.duplicate_problems: list[tuple[int, str]] = []


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode):
    data = YamlDict()
    data.line = node.start_mark.line + 1
    yield data
    n_own = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE_TAG)
    loader.flatten_mapping(node)  # resolves "<<: *anchor" merge keys
    n_merged = len(node.value) - n_own
    for i, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        key_line = key_node.start_mark.line + 1
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                "found a key that is a list or mapping; keys must be plain text",
                key_node.start_mark,
            )
        if key in data and i >= n_merged and data.lines.get(key, 0) > 0:
            # Two explicit keys (a merged key overridden by an explicit one is legal YAML).
            loader.duplicate_problems.append(
                (
                    key_line,
                    (
                        f"line {key_line}: key {key!r} appears twice in this mapping (first on "
                        f"line {data.lines[key]}) — keep only one of them"
                    ),
                )
            )
        value = loader.construct_object(value_node, deep=False)
        data[key] = value
        # Merged keys get a negative line so an explicit override is not a duplicate.
        data.lines[key] = key_line if i >= n_merged else -key_line
    for key, line in list(data.lines.items()):
        data.lines[key] = abs(line)


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode):
    data = YamlList()
    data.line = node.start_mark.line + 1
    yield data
    for child in node.value:
        data.append(loader.construct_object(child, deep=False))
        data.lines.append(child.start_mark.line + 1)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)

# Numbers as in YAML 1.2 (core schema), not YAML 1.1: "010" is ten (not octal 8),
# "1:30" is text (not sexagesimal 90), "1e3" is a float (not text); no binary.
# Anything else that looks numeric stays a string, so the validators report it.
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT_TAG, _FLOAT_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver(
    _INT_TAG,
    re.compile(r"^(?:[-+]?[0-9][0-9_]*|0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)
_LineLoader.add_implicit_resolver(
    _FLOAT_TAG,
    re.compile(
        r"""^(?:[-+]?[0-9][0-9_]*(?:\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[eE][-+]?[0-9]+)
        |[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.VERBOSE,
    ),
    list("-+0123456789."),
)


def _construct_int(loader: _LineLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node).replace("_", "")
    try:
        if text.lower().lstrip("+-").startswith("0x"):
            return int(text, 16)
        return int(text, 10)  # decimal even with leading zeros, as in YAML 1.2
    except ValueError:  # only reachable through an explicit "!!int" tag
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r} is not a whole number", node.start_mark
        ) from None


_LineLoader.add_constructor(_INT_TAG, _construct_int)


def display_path(path: str | os.PathLike[str]) -> str:
    """Return ``path`` relative to the working directory when it lies below it.

    Parameters
    ----------
    path : str or path-like
        A file path.

    Returns
    -------
    str
        A short path for messages, using forward slashes.
    """
    p = Path(path)
    try:
        p = p.resolve().relative_to(Path.cwd().resolve())
    except (ValueError, OSError):
        pass
    return p.as_posix()


def load_yaml_string(text: str, source: str = "<string>") -> Any:
    """Parse YAML text into plain objects with line numbers.

    Parameters
    ----------
    text : str
        The YAML document.
    source : str
        Name used in error messages (usually the file path).

    Returns
    -------
    object
        :class:`YamlDict`, :class:`YamlList`, a scalar, or ``None`` for an empty document.

    Raises
    ------
    DataValidationError
        On a syntax error, an unsupported tag or duplicate keys; every problem names its line.
    """
    loader = _LineLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}" if mark is not None else "somewhere"
        what = " ".join(str(s) for s in (exc.context, exc.problem) if s)
        if isinstance(exc, yaml.constructor.ConstructorError):
            fix = "write plain values only (no '!!' tags) and plain text keys"
        elif "'\\t'" in what:
            fix = "indent with spaces, not tabs"
        else:
            fix = "check the indentation, colons and quotes on this line and the one before it"
        raise DataValidationError(
            source, [f"{source} {line}: this is not valid YAML ({what}) — {fix}"]
        ) from None
    except yaml.YAMLError as exc:
        raise DataValidationError(
            source, [f"{source}: this is not valid YAML ({exc}) — check the file"]
        ) from None
    finally:
        loader.dispose()
    if loader.duplicate_problems:
        problems = [f"{source} {msg}" for _, msg in sorted(loader.duplicate_problems)]
        raise DataValidationError(source, problems)
    return data


def load_yaml(path: str | os.PathLike[str]) -> Any:
    """Read a YAML file into plain objects with line numbers.

    Parameters
    ----------
    path : str or path-like
        The file to read (UTF-8).

    Returns
    -------
    object
        As :func:`load_yaml_string`.

    Raises
    ------
    DataValidationError
        If the file is missing or unreadable, is not valid YAML, or repeats a key.
    """
    source = display_path(path)
    try:
        text = read_text(path, what="YAML")
    except TableFileNotFoundError:
        raise DataValidationError(
            source, [f"{source}: file not found — check the path and the file name"]
        ) from None
    except OSError as exc:
        raise DataValidationError(
            source, [f"{source}: cannot be read ({exc.strerror}) — check the path"]
        ) from None
    return load_yaml_string(text, source)


def line_of(container: Any, key: Any = None) -> int | None:
    """Return the 1-based source line of ``container[key]`` (or of ``container``).

    Parameters
    ----------
    container : object
        A :class:`YamlDict` or :class:`YamlList` (anything else gives ``None``).
    key : object, optional
        A mapping key or list index; omitted for the container's own line.

    Returns
    -------
    int or None
        The line, or ``None`` when unknown (e.g. for objects built in Python).
    """
    if key is None:
        return getattr(container, "line", None)
    lines = getattr(container, "lines", None)
    if isinstance(lines, dict):
        return lines.get(key)
    if isinstance(lines, list) and isinstance(key, int) and 0 <= key < len(lines):
        return lines[key]
    return None


def where(source: str, container: Any = None, key: Any = None) -> str:
    """Return a message prefix such as ``"criteria/criteria.yaml line 12"``.

    Parameters
    ----------
    source : str
        File name (or description) to start the prefix with.
    container, key : object, optional
        Passed to :func:`line_of`; when no line is known the prefix is just ``source``.

    Returns
    -------
    str
        The prefix, without a trailing colon.
    """
    line = line_of(container, key) if container is not None else None
    return f"{source} line {line}" if line is not None else source


_LINE_IN_MESSAGE = re.compile(r" line (\d+): ")


def line_key(message: str) -> int:
    """Sort key putting problem messages in file order (messages without a line first).

    Parameters
    ----------
    message : str
        A problem message containing ``" line N: "`` (as built with :func:`where`).

    Returns
    -------
    int
        ``N``, or 0 when the message names no line.

    Examples
    --------
    >>> sorted(["f line 8: b", "f: c", "f line 5: a"], key=line_key)
    ['f: c', 'f line 5: a', 'f line 8: b']
    """
    m = _LINE_IN_MESSAGE.search(message)
    return int(m.group(1)) if m else 0


_LINE_SUFFIX = re.compile(r" line \d+$")


def at(prefix: str, container: Any, key: Any = None) -> str:
    """Move a ``"file line N"`` prefix to the line of ``container[key]`` when that is known.

    Parameters
    ----------
    prefix : str
        A message prefix such as ``"criteria/criteria.yaml line 12"`` or just a file name.
    container, key : object
        Passed to :func:`line_of`.

    Returns
    -------
    str
        ``prefix`` with its trailing ``" line N"`` replaced by the item's own line, or
        ``prefix`` unchanged when the item's line is unknown.
    """
    line = line_of(container, key)
    if line is None:
        return prefix
    return f"{_LINE_SUFFIX.sub('', prefix)} line {line}"


def to_plain(data: Any) -> Any:
    """Return ``data`` with every :class:`YamlDict` / :class:`YamlList` made a plain dict / list.

    Parameters
    ----------
    data : object
        Loaded YAML (or any nest of dicts, lists and tuples).

    Returns
    -------
    object
        A deep copy made of plain ``dict`` and ``list`` (tuples become lists), suitable
        for ``yaml.safe_dump``.
    """
    if isinstance(data, dict):
        return {k: to_plain(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [to_plain(v) for v in data]
    return data


def as_number(value: Any) -> float | None:
    """Return ``value`` as a float if it is a real number, else ``None``.

    Booleans are not numbers here (``True`` would otherwise count as 1), and text is never
    parsed: ``"40"`` in a YAML file is a quoted string, so it is reported, not guessed at.
    NaN and infinities are returned as floats; check :func:`math.isfinite` where needed.

    Parameters
    ----------
    value : object
        A scalar from a configuration file or a Python caller.

    Returns
    -------
    float or None
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def is_finite_number(value: Any) -> bool:
    """Return whether ``value`` is a real, finite number (booleans excluded).

    Parameters
    ----------
    value : object
        Any scalar.

    Returns
    -------
    bool
    """
    x = as_number(value)
    return x is not None and math.isfinite(x)


def did_you_mean(name: Any, choices: Iterable[Any]) -> str:
    """Return ``" — did you mean 'x'?"`` (or ``" or 'y'"``) for close matches, else ``""``.

    Parameters
    ----------
    name : object
        The unknown name as written.
    choices : iterable
        The valid names.

    Returns
    -------
    str
        A suffix to append to an "unknown ..." message; empty when nothing is close.
    """
    options = [str(c) for c in choices]
    close = difflib.get_close_matches(str(name), options, n=3, cutoff=0.6)
    if not close:
        lowered = {o.lower(): o for o in options}
        if str(name).lower() in lowered:
            close = [lowered[str(name).lower()]]
    if not close:
        return ""
    return " — did you mean " + " or ".join(repr(c) for c in close) + "?"
