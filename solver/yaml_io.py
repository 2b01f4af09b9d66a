"""Reading YAML safely, with the line of every field for error messages.

Only YAML's safe subset is read (no Python objects).  Files are bounded in
size and in alias expansion, so that a hostile file ("billion laughs")
cannot make the program run out of memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from solver.errors import InputError

MAX_BYTES = 1 << 20
MAX_NODES = 200_000

Lines = dict[tuple[Any, ...], int]

#: libyaml's safe loader when PyYAML has it: the same safe subset, several times faster on
#: large untrusted files (a student's 200 KB answers file composes in a fraction of a second).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_text(path: Path, what: str = "file") -> str:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"{what} is {size} bytes; expected at most {MAX_BYTES} (1 MiB)", where=str(path))
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"no such {what}", where=str(path)) from None
    except IsADirectoryError:
        raise InputError(f"expected a {what}, found a directory", where=str(path)) from None
    except OSError as error:
        raise InputError(f"cannot read {what}: {error.strerror}", where=str(path)) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text (byte {error.start}); expected a YAML {what}", where=str(path)) from None


def parse_yaml(text: str, where: str) -> tuple[Any, Lines]:
    """The data of a YAML document and a map from field paths to line numbers."""
    try:
        root = yaml.compose(text, Loader=SAFE_LOADER)
        if root is None:
            return None, {}
        lines: Lines = {}
        _count_and_map(root, (), lines, where)
        # Safe constructors only: a tag such as !!python/object is an error, never run.
        return yaml.SafeLoader("").construct_document(root), lines
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InputError(f"not valid YAML: {problem}", where=f"{where}{line}") from None


def _count_and_map(root: yaml.Node, path: tuple[Any, ...], lines: Lines, where: str) -> None:
    """Record each field's line, refusing documents that expand past MAX_NODES nodes."""
    budget = MAX_NODES
    # Each field is placed at the line of its key, so that a missing field inside
    # ``given:`` points at ``given:`` itself.
    stack: list[tuple[yaml.Node, tuple[Any, ...], int]] = [(root, path, root.start_mark.line + 1)]
    while stack:
        node, at, line = stack.pop()
        budget -= 1
        if budget < 0:
            raise InputError(f"document expands to more than {MAX_NODES} values (aliases?); refused", where=where)
        lines.setdefault(at, line)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else str(key)
                stack.append((value, (*at, name), key.start_mark.line + 1))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*at, i), item.start_mark.line + 1) for i, item in enumerate(node.value))


def line_of(lines: Lines, path: tuple[Any, ...]) -> int | None:
    """The line of the deepest part of ``path`` that the file has."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None
