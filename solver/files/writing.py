"""Writing output files whole: a file appears at its path complete, or not at all."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def atomic_file(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """A file (``mode`` "w" for text, "wb" for bytes) written beside ``path``, then moved in place.

    It gets the permissions any new file would (the umask's), not the private ones of a
    temporary file; an error leaves nothing behind.
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.resolve().parent)
    os.close(handle)
    try:
        options = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        with open(temporary, mode, **options) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


#: What a file name keeps of a name from a file (a student id); anything else becomes "_".
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
#: Longest stem kept of the name itself; file systems allow 255 bytes.
MAX_STEM = 60


def file_stem(text: str, *, distinct: bool = False) -> str:
    """``text`` as a file name: the text itself when it is a safe name, else its safe characters and a
    digest of it (``../x`` -> ``_x-1f2e3d4c``), so that two texts never share a name.

    ``distinct`` adds the digest in any case: for a name that differs from one already taken only in
    case, which a case-blind file system would not tell apart.
    """
    safe = _UNSAFE.sub("_", text).lstrip(".")[:MAX_STEM]
    if safe == text and text and not distinct:
        return text
    return f"{safe}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"
