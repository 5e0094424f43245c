"""Write a file all at once: into a temporary file beside it, then move it into place.

A failure at any point (an exception, Ctrl-C) removes the temporary file and leaves
any existing file at the target path exactly as it was, so a reader never sees a
half-written report.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from ..errors import ExportError


def check_target(path: str | os.PathLike) -> Path:
    """Return ``path`` as a Path after checking that a file can be written there.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ExportError
        If the folder does not exist or the path is a folder.
    """
    target = Path(os.fspath(path)).expanduser()
    folder = target.parent
    if not folder.is_dir():
        raise ExportError(
            f"Cannot write {str(target)!r}: the folder {str(folder)!r} does not exist. "
            "Create it first or choose another path."
        )
    if target.is_dir():
        raise ExportError(
            f"Cannot write {str(target)!r}: it is a folder. Give a file name such as "
            f"{str(target / 'report.xlsx')!r}."
        )
    return target


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; move it onto ``path`` on success.

    The temporary file is created empty (permissions from the umask, or copied from
    an existing target) and may be reopened by name, e.g. by a zip writer.

    Parameters
    ----------
    path : str or os.PathLike
        The file to create or replace.

    Yields
    ------
    pathlib.Path
        Where to write.

    Raises
    ------
    ExportError
        If the folder is missing or not writable, or the target cannot be replaced
        (on Windows, usually because it is open in Excel or Word).
    """
    target = check_target(path)
    temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise ExportError(
            f"Cannot write in the folder {str(target.parent)!r} ({exc.strerror}). "
            "Choose a folder you can write to."
        ) from exc
    os.close(fd)
    try:
        if target.is_file():
            shutil.copymode(target, temp)
        yield temp
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        try:
            os.replace(temp, target)
        except PermissionError as exc:
            raise ExportError(
                f"Cannot replace {str(target)!r} ({exc.strerror}). If it is open in Excel "
                "or Word, close it and try again, or write to another file name."
            ) from exc
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically.

    Parameters
    ----------
    path : str or os.PathLike
    data : bytes

    Returns
    -------
    pathlib.Path
        The path written.
    """
    with atomic_path(path) as temp, open(temp, "wb") as handle:
        handle.write(data)
    return Path(os.fspath(path)).expanduser()


def write_text(path: str | os.PathLike, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically, with ``\\n`` line endings on every platform.

    Parameters
    ----------
    path : str or os.PathLike
    text : str
    encoding : str, default "utf-8"

    Returns
    -------
    pathlib.Path
        The path written.
    """
    return write_bytes(path, text.encode(encoding))
