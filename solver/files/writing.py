"""Writing output files whole: a file appears at its path complete, or not at all."""

from __future__ import annotations

import os
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
