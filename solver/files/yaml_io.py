"""Reading YAML safely, with the line of every field for error messages.

Only YAML's safe subset is read (no Python objects).  Files are bounded in
size (by the bytes read), in nesting depth, in values and in alias expansion,
so that a hostile file ("billion laughs", 40,000 nested brackets) cannot crash
the program or make it run out of memory.  Numbers are checked where they
are read, so that an error names their line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from solver.files import reading
from solver.graph.errors import InputError

MAX_BYTES = 1 << 20
MAX_NODES = 200_000
#: Lists and mappings inside each other.  Real files nest fewer than ten; composing a document
#: recurses once per level (libyaml's composer crashes at about 40,000).
MAX_DEPTH = 32

Lines = dict[tuple[Any, ...], int]

#: libyaml's safe loader when PyYAML has it: the same safe subset, several times faster on
#: large untrusted files (a student's 200 KB answers file composes in a fraction of a second).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_text(path: Path, what: str = "file", limit: int = MAX_BYTES) -> str:
    """A YAML file's text, read through the one bounded reader."""
    return reading.read_text(path, what, limit, f"a YAML {what}")


def parse_yaml(text: str, where: str, *, lenient_numbers: bool = False, lines: bool = True) -> tuple[Any, Lines]:
    """The data of a YAML document and a map from field paths to line numbers.

    Non-finite floats and over-long integers are errors, unless ``lenient_numbers``
    (answers files): then they are kept (an over-long integer as its text), so that
    the grader marks that one answer invalid rather than the whole file.  Without
    ``lines`` the map is left empty (a class's answers files need none; reading them is
    the floor of grading a class).
    """
    try:
        _check_depth_and_values(text, where)
        root = yaml.compose(text, Loader=SAFE_LOADER)
        if root is None:
            return None, {}
        field_lines: Lines = {}
        # Only aliases (which need an anchor, '&') can make a document expand past what was composed.
        if lines or "&" in text:
            for _, at, line in _walk(root, where):
                if lines:
                    field_lines.setdefault(at, line)
        # Safe constructors only: a tag such as !!python/object is an error, never run.
        return _Constructor(where, lenient_numbers, root).construct_document(root), field_lines
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        if "nesting depth" in problem:  # newer libyaml stops at its own depth while reading ahead
            raise InputError(_TOO_DEEP, where=f"{where}{line}") from None
        raise InputError(f"not valid YAML: {problem}", where=f"{where}{line}") from None


_TOO_DEEP = f"lists and mappings nested more than {MAX_DEPTH} deep; expected at most {MAX_DEPTH}"
_BRACKETS_AND_LINES = re.compile(r"[^\[\]{}\n]+")
_BLOCK_PREFIX = re.compile(r"^[ \t?:-]*", re.M)


def _surely_shallow(text: str) -> bool:
    """True when ``text`` cannot hold more than MAX_NODES values or nest more than MAX_DEPTH levels.

    A cheap, conservative bound for the usual small file: every value takes at least
    one character, and a level of nesting takes an opening bracket or a column of a
    line's block prefix (indentation and ``- ``/``? ``/``: `` markers), so the deepest
    line's prefix plus every bracket open at once bounds the depth from above.
    Brackets inside quotes or comments are counted too, which only errs on the safe side.
    """
    if len(text) > MAX_NODES:
        return False
    indent = max((len(prefix) for prefix in _BLOCK_PREFIX.findall(text)), default=0)
    depth = deepest = 0
    for mark in _BRACKETS_AND_LINES.sub("", text):
        depth += 1 if mark in "[{" else -1 if mark in "]}" else 0
        deepest = max(deepest, depth)
    return indent + deepest < MAX_DEPTH


def _check_depth_and_values(text: str, where: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH or more than MAX_NODES values, before anything is composed.

    libyaml's event parser keeps its own stacks instead of recursing, so it streams any depth
    safely, and the check stops at the first event past a bound.  (A scan of the raw text would
    have to understand quotes and comments to count brackets right.)
    """
    if _surely_shallow(text):
        return
    loader = SAFE_LOADER(text)
    try:
        depth = values = 0
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.NodeEvent):
                values += 1
                if values > MAX_NODES:
                    raise InputError(f"more than {MAX_NODES} values; expected at most {MAX_NODES}", where=where)
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise InputError(
                        _TOO_DEEP,
                        where=f"{where}:{event.start_mark.line + 1}",
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    finally:
        loader.dispose()


class _Constructor(SafeConstructor):
    """PyYAML's safe constructors, refusing numbers no exercise has, at their line."""

    def __init__(self, where: str, lenient_numbers: bool, root: yaml.Node):
        super().__init__()
        self.where = where
        self.lenient_numbers = lenient_numbers
        #: the document, so that an error can name the field as well as the line
        self.root = root

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        # The one safe constructor that raises on text YAML matched: a date such as 2024-13-45.
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            raise self._error(node, "timestamp value cannot be read") from None

    def construct_undefined(self, node: yaml.Node) -> Any:
        # A tag such as !!python/object/apply: said in nnsolve's words, never constructed.
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        problem = f"not valid YAML: the tag {tag!r} is not allowed; expected plain numbers, text, lists and mappings"
        raise self._error(node, problem)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> Any:
        problem = reading.digits_error(node.value)
        if problem is None:
            return super().construct_yaml_int(node)
        if self.lenient_numbers:
            return node.value
        raise self._error(node, problem)

    def construct_yaml_float(self, node: yaml.ScalarNode) -> Any:
        value = super().construct_yaml_float(node)
        if self.lenient_numbers or math.isfinite(value):
            return value
        raise self._error(node, _NOT_FINITE)

    def construct_yaml_str(self, node: yaml.ScalarNode) -> Any:
        # YAML 1.1 reads 1e999 and nan as text, which a float field would then take as inf or nan.
        if not self.lenient_numbers and not node.style and not math.isfinite(_as_float(node.value)):
            raise self._error(node, _NOT_FINITE)
        return super().construct_yaml_str(node)

    def _error(self, node: yaml.Node, problem: str) -> InputError:
        at = next((at for found, at, _ in _walk(self.root, self.where) if found is node), ())
        field = ".".join(map(str, at))
        return InputError(problem, where=f"{self.where}:{node.start_mark.line + 1}" + (f": {field}" if field else ""))


_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_yaml_int)
_Constructor.add_constructor("tag:yaml.org,2002:float", _Constructor.construct_yaml_float)
_Constructor.add_constructor("tag:yaml.org,2002:str", _Constructor.construct_yaml_str)
_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)
_Constructor.add_constructor(None, _Constructor.construct_undefined)

_NOT_FINITE = "a number that is not finite (nan, inf or beyond 1e308); expected finite numbers"


def _as_float(text: str) -> float:
    """``text`` as Python reads a float; 0 for text that is not one (so that it counts as finite)."""
    try:
        return float(text)
    except ValueError:
        return 0.0


def _walk(root: yaml.Node, where: str) -> Iterator[tuple[yaml.Node, tuple[Any, ...], int]]:
    """Every node with its field path and line, refusing documents that expand past MAX_NODES nodes."""
    budget = MAX_NODES
    # Each field is placed at the line of its key, so that a missing field inside
    # ``given:`` points at ``given:`` itself.
    stack: list[tuple[yaml.Node, tuple[Any, ...], int]] = [(root, (), root.start_mark.line + 1)]
    while stack:
        node, at, line = stack.pop()
        budget -= 1
        if budget < 0:
            raise InputError(f"document expands to more than {MAX_NODES} values (aliases?); refused", where=where)
        yield node, at, line
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else str(key)
                stack.append((value, (*at, name), key.start_mark.line + 1))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*at, i), item.start_mark.line + 1) for i, item in enumerate(node.value))


def located(where: str, lines: Lines, path: tuple[Any, ...]) -> str:
    """Where the value at ``path`` is: ``file.yaml:12: given.x`` (without a line when the file has none)."""
    line = line_of(lines, path)
    dotted = ".".join(map(str, path)) or "file"
    return f"{where}:{line}: {dotted}" if line else f"{where}: {dotted}"


def line_of(lines: Lines, path: tuple[Any, ...]) -> int | None:
    """The line of the deepest part of ``path`` that the file has."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None
