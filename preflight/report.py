"""Shared report code: plain-text tables that fit a terminal, and writing output files safely."""
from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
import textwrap
from typing import Optional, Sequence

from .errors import UsageError

# Most severe first; "" (a pack that gives none) sorts last.
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "": 4}


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], wrap_last: bool = True,
          width: Optional[int] = None) -> str:
    """Left-aligned columns; the last column wraps to the terminal width."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    cols = len(headers)
    widths = [max([len(str(headers[i]))] + [len(str(r[i])) for r in rows]) for i in range(cols - 1)]
    prefix = sum(widths) + 2 * (cols - 1)
    last_width = max(40, width - prefix - 1) if wrap_last else 10 ** 6
    lines = []

    def emit(cells: Sequence[str]) -> None:
        last = textwrap.wrap(str(cells[-1]), last_width, break_long_words=False, break_on_hyphens=False) or [""]
        head = "  ".join(str(c).ljust(widths[i]) for i, c in enumerate(cells[:-1]))
        lines.append((head + "  " + last[0]).rstrip() if cols > 1 else last[0])
        for more in last[1:]:
            lines.append(" " * (prefix) + more)

    emit(headers)
    lines.append("  ".join("-" * w for w in widths) + ("  " if cols > 1 else "") + "-" * min(
        last_width, max([len(str(headers[-1]))] + [len(str(r[-1])) for r in rows])))
    for r in rows:
        emit(r)
    return "\n".join(lines)


def write_output(text: str, path: Optional[str]) -> None:
    """Print to stdout, or write the file atomically (never a half-written report).

    A path that exists and is not a regular file (/dev/stdout, a FIFO, /dev/full) is written in
    place: replacing it would swap a device or a pipe for a file. Any write error is a
    UsageError (exit 2), never a silent success."""
    if not path or path == "-":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    data = text if text.endswith("\n") else text + "\n"
    try:
        st = os.stat(path)
    except OSError:
        st = None
    if os.path.islink(path) or (st is not None and not stat.S_ISREG(st.st_mode)):
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(data)
        except OSError as e:
            raise UsageError(f"cannot write {path}: {e.strerror or e}; choose another --output") from None
        return
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"cannot write {path}: folder {directory} does not exist; "
                         f"create it or choose another --output")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".preflight-", suffix=".tmp")
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror or e}; choose another --output") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise UsageError(f"cannot write {path}: {e.strerror or e}; choose another --output") from None
