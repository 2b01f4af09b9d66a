"""Reading untrusted files: every read is bounded by the bytes actually read.

Every file nnsolve reads (problem, homework and answers files, matrix files)
comes through ``open_regular``: it refuses directories, devices, FIFOs and
sockets before reading a byte, whatever a symlink or the file system claims
about the size.  ``read_bytes`` then reads at most one byte more than its
limit, so a file that grows, or a /proc file that reports size 0, cannot
make it read more.

Paths written inside a file (a homework's ``file:``, a problem's matrix
files) are read from that file's folder: ``paths_relative_to`` sets the
folder while a file's data is used, and ``resolved`` applies it.  Paths on
the command line stay relative to the working directory.

``recording_reads`` lists the files opened while it is in effect: what a
homework needs beside it (its problem and matrix files), as loading it finds them.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import BinaryIO

from solver.graph.errors import InputError

#: Most digits in any number written in a file.  Python refuses integers of more than 4300 in its
#: own words; no exercise needs a tenth of this, and a float is finite up to 309 digits.
MAX_DIGITS = 100

_CHUNK = 1 << 16

_NOT_REGULAR = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)

_folder: ContextVar[Path | None] = ContextVar("folder", default=None)
_reads: ContextVar[list[Path] | None] = ContextVar("reads", default=None)


def open_regular(path: Path, what: str) -> BinaryIO:
    """``path`` opened for reading if it is a regular file (after symlinks), else an ``InputError``."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer before fstat can refuse it.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(f"no such {what}", where=str(path)) from None
    except OSError as error:
        raise InputError(f"cannot read {what}: {error.strerror}", where=str(path)) from None
    reads = _reads.get()
    if reads is not None:
        reads.append(path)
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        found = next((name for test, name in _NOT_REGULAR if test(mode)), "not a regular file")
        raise InputError(f"expected a {what}, found {found}", where=str(path))
    return os.fdopen(descriptor, "rb")


def read_bytes(path: Path, what: str, limit: int) -> bytes:
    """The whole content of ``path``, refused once more than ``limit`` bytes have been read."""
    with open_regular(path, what) as stream:
        content = read_at_most(stream, limit + 1, path, what)
    if len(content) > limit:
        raise InputError(f"{what} has more than {limit} bytes; expected at most {_size(limit)}", where=str(path))
    return content


def read_at_most(stream: BinaryIO, count: int, path: Path, what: str) -> bytes:
    """Up to ``count`` bytes from ``stream``, read in chunks so that nothing larger is ever allocated."""
    chunks: list[bytes] = []
    remaining = count
    try:
        while remaining > 0 and (chunk := stream.read(min(_CHUNK, remaining))):
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as error:
        raise InputError(f"cannot read {what}: {error.strerror}", where=str(path)) from None
    return b"".join(chunks)


def read_text(path: Path, what: str, limit: int, expected: str) -> str:
    """``read_bytes`` decoded as UTF-8; ``expected`` names the text's form for the error message."""
    raw = read_bytes(path, what, limit)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text (byte {error.start}); expected {expected}", where=str(path)) from None


def _size(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit >= 1 << 20 else f"{limit >> 10} KiB"


def digits_error(number: str) -> str | None:
    """Why the number written as ``number`` is refused (too many digits), or None."""
    if len(number) <= MAX_DIGITS:  # the common case, without counting
        return None
    # Letters count too: hexadecimal digits and YAML's base-60 parts make integers as large.
    digits = sum(c.isalnum() for c in number)
    return f"a number of {digits} digits; expected at most {MAX_DIGITS}" if digits > MAX_DIGITS else None


@contextmanager
def paths_relative_to(folder: Path | None) -> Iterator[None]:
    """While in effect, relative paths written in a file's data are read from ``folder`` (that file's).

    ``None`` is the working directory, as for paths given on the command line.
    """
    token = _folder.set(folder)
    try:
        yield
    finally:
        _folder.reset(token)


def resolved(path: Path) -> Path:
    """``path`` as the current file's data means it: relative to its folder; absolute paths stay absolute."""
    folder = _folder.get()
    return path if folder is None or path.is_absolute() else folder / path


@contextmanager
def recording_reads() -> Iterator[list[Path]]:
    """A list that receives the path of every file opened for reading while in effect, as it was opened."""
    reads: list[Path] = []
    token = _reads.set(reads)
    try:
        yield reads
    finally:
        _reads.reset(token)
