"""Snapshot what officers see, to check that a refactor changed none of it.

Runs every README command-line example (its terminal output and every file it writes) and every
notebook in ``notebooks/`` (each cell's text, HTML and image outputs), and stores the results in a
folder, one file per output. Two snapshots taken before and after a change are then compared
byte for byte.

Usage::

    python scripts/compare_outputs.py snapshot BEFORE_DIR     # on the old code
    python scripts/compare_outputs.py snapshot AFTER_DIR      # on the new code
    python scripts/compare_outputs.py diff BEFORE_DIR AFTER_DIR

``diff`` exits 0 when the snapshots are identical and 1 otherwise, listing every file that
differs. The only masked text is the solve-time sentence of the groupings reports (it reports a
wall-clock time), with the temporary folders the examples write into and the random ids of
styled tables' CSS classes and memory addresses in notebook text; nothing else is normalised. Set ``PYTHONPATH`` to the ``src`` folder of the
checkout to snapshot when the package is not installed from it.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_LANCS = "groupings --select county:Lancashire -s revenues_benefits --as-of 2009-06-01"

#: The README's examples, as ``(name, arguments, output file or None)``.
CLI_EXAMPLES: list[tuple[str, str, str | None]] = [
    ("quickstart", "shortlist Lancaster --service revenues_benefits --as-of 2009-06-01", None),
    ("councils", "councils --as-of 2009-06-01 --search lanc", None),
    ("shortlist-top5", "shortlist Lancaster -s revenues_benefits --as-of 2009-06-01 --top 5", None),
    ("shortlist-xlsx", "shortlist Lancaster -s revenues_benefits --as-of 2009-06-01",
     "lancaster.xlsx"),
    ("shortlist-html", "shortlist Lancaster -s revenues_benefits --as-of 2009-06-01",
     "lancaster.html"),
    ("shortlist-md", "shortlist Lancaster -s revenues_benefits --as-of 2009-06-01",
     "lancaster.md"),
    ("network", 'network --region "North West" --as-of 2014-06-01', "north-west.png"),
    ("groupings-lancs", _LANCS, None),
    ("groupings-lancs-md", _LANCS, "lancs.md"),
    ("groupings-ace", ("groupings Carlisle Allerdale Copeland Eden -s licensing -s procurement "
                       "--as-of 2009-06-01"), "ace.html"),
    ("report", "report Lancaster --as-of 2009-06-01", "lancaster-programme.html"),
    ("report-md", "report Lancaster --as-of 2009-06-01", "lancaster-programme.md"),
    ("backtest", "backtest", "backtest.xlsx"),
    ("backtest-md", "backtest", "backtest.md"),
]

# Masked, and nothing else: the groupings solve time (a wall-clock figure: in a sentence, in the
# terminal summary and in the "seconds" row of the solver table), the temporary folders the
# examples write into, and the random ids and addresses notebook outputs carry.
_MASKS = [
    (re.compile(rb"(solved|found|returned|took|in) (about )?[0-9]+(\.[0-9]+)? ?(s|seconds?)\b"),
     rb"\1 <time>"),
    (re.compile(rb"(seconds.{1,20}?)[0-9]+\.[0-9]+"), rb"\1<time>"),
    (re.compile(rb"\b(highs|cbc), [0-9]+(\.[0-9]+)?s\b"), rb"\1, <time>"),
    (re.compile(rb"/tmp/[A-Za-z0-9_./-]+"), rb"<tmp>"),
    (re.compile(rb"<tmp>/[A-Za-z0-9_./-]+"), rb"<tmp>"),  # snapshots masked by an older version
    (re.compile(rb"T_[0-9a-f]{5}(_|\b)"), rb"T_<id>\1"),
    (re.compile(rb" at 0x[0-9a-f]+>"), rb" at <address>>"),
]


def _mask(data: bytes) -> bytes:
    for pattern, replacement in _MASKS:
        data = pattern.sub(replacement, data)
    return data


def _unzip_normalised(data: bytes) -> bytes:
    """An xlsx is a zip whose entry timestamps may vary: compare the entries' contents."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = [f"{n}\n".encode() + z.read(n) for n in sorted(z.namelist())]
    return b"\n".join(parts)


def _run_cli(out: Path, bin_args: list[str]) -> None:
    env = dict(os.environ, COLUMNS="80", PYTHONHASHSEED="0")
    for name, args, target in CLI_EXAMPLES:
        with tempfile.TemporaryDirectory() as tmp:
            argv = [*bin_args, *shlex.split(args)]
            if target:
                argv += ["-o", str(Path(tmp) / target)]
            proc = subprocess.run(argv, capture_output=True, env=env, cwd=tmp, check=False)
            (out / f"cli-{name}.stdout").write_bytes(
                _mask(proc.stdout) + f"\n[exit {proc.returncode}]\n".encode())
            (out / f"cli-{name}.stderr").write_bytes(_mask(proc.stderr))
            if target:
                path = Path(tmp) / target
                data = path.read_bytes() if path.exists() else b"<not written>"
                if target.endswith(".xlsx") and path.exists():
                    data = _unzip_normalised(data)
                (out / f"cli-{name}-{target}").write_bytes(_mask(data))


def _run_notebooks(out: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        lines: list[str] = []
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            for j, output in enumerate(cell.get("outputs", [])):
                if output.get("output_type") == "stream":
                    lines.append(f"--- cell {i} output {j} {output['name']}\n{output['text']}")
                    continue
                for mime, value in sorted(output.get("data", {}).items()):
                    if mime.startswith("image/"):
                        digest = hashlib.sha256(base64.b64decode(value)).hexdigest()
                        value = f"sha256 {digest}"
                    elif not isinstance(value, str):
                        value = json.dumps(value, sort_keys=True)
                    lines.append(f"--- cell {i} output {j} {mime}\n{value}")
                if output.get("output_type") == "error":
                    lines.append(f"--- cell {i} error {output['ename']}: {output['evalue']}")
        text = "\n".join(lines).encode()
        (out / f"notebook-{path.stem}.txt").write_bytes(_mask(text))


def snapshot(out: Path, *, notebooks: bool = True) -> None:
    """Run the examples and the notebooks; write one file per output into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    _run_cli(out, [sys.executable, "-m", "partnerfit.cli"])
    if notebooks:
        _run_notebooks(out)


def diff(before: Path, after: Path) -> list[str]:
    """The names of the files that differ between two snapshots (or exist in one only)."""
    names = sorted({p.name for p in before.iterdir()} | {p.name for p in after.iterdir()})
    changed = []
    for name in names:
        a, b = before / name, after / name
        if not a.exists() or not b.exists() or _mask(a.read_bytes()) != _mask(b.read_bytes()):
            changed.append(name)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("snapshot", help="run the examples and notebooks into a folder")
    s.add_argument("folder", type=Path)
    s.add_argument("--no-notebooks", action="store_true", help="the command-line examples only")
    d = sub.add_parser("diff", help="compare two snapshots byte for byte")
    d.add_argument("before", type=Path)
    d.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    if args.command == "snapshot":
        snapshot(args.folder, notebooks=not args.no_notebooks)
        return 0
    changed = diff(args.before, args.after)
    total = len({p.name for p in args.before.iterdir()} | {p.name for p in args.after.iterdir()})
    for name in changed:
        print(f"differs: {name}")
    print(f"{total - len(changed)} of {total} outputs identical")
    return 1 if changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
