"""Random problems: how a problem file draws its given data for each student (``random:``).

```yaml
kind: mlp
given:                       # the file's own data: the default variant, and a valid example
  x: [1, 2]
  layers: [{weights: [[0, 1, 2], [2, 1, 0]], bias: folded, activation: tanh}, ...]
random:
  draw:                      # a path into given -> how to draw it
    x: {matrix: "2", range: [-2, 2]}                 # whole numbers
    layers.0.weights: {matrix: 2x3, range: [-1, 1], decimals: 1}
    y: {range: [0, 5], step: 0.5}
    layers.1.activation: {choice: [tanh, sigmoid]}
  conditions:                # the safe expression language over the solution's step names
    - z1 > 0                 # an array must meet it in every entry
    - 0.1 < y_hat < 4
  attempts: 100              # draws tried before giving up (at most MAX_ATTEMPTS)
```

Drawing takes a ``numpy.random.Generator``: the same generator state draws the
same variant.  A draw whose data the kind refuses, or whose solution misses a
condition (or a test the caller adds, such as the grader's mistakes staying
distinguishable), is drawn again, at most ``attempts`` times; then the spec is
refused with the reason met most often.  Nothing in a condition is run as
code: it is parsed by ``solver.math.expressions`` and evaluated there.
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import Field

from solver.graph.errors import InputError
from solver.math.expressions import ParseError, evaluate_at, names_in, parse_tree

if TYPE_CHECKING:
    import numpy as np

    from solver.files.problem_file import Problem
    from solver.graph.steps import Solution

CONFIG: dict[str, Any] = {"extra": "forbid", "use_attribute_docstrings": True, "allow_inf_nan": False}

#: Values drawn per problem, conditions per problem, choices per draw.
MAX_DRAWS = 32
MAX_CONDITIONS = 32
MAX_CHOICES = 1_000
#: Largest side of a drawn matrix (a 20×20 image is larger than any exercise worked by hand).
MAX_SIDE = 20
#: Most decimals of a drawn number, and most values a range with a step may hold.
MAX_DECIMALS = 6
MAX_STEPS = 1_000_000
#: Draws tried at most before a spec is refused.
MAX_ATTEMPTS = 1_000
DEFAULT_ATTEMPTS = 100
#: Entries a condition is evaluated at, at most (every entry of the arrays it names).
MAX_CONDITION_CELLS = 10_000

_SHAPE = re.compile(r"(\d+)(?:x(\d+))?")
_COMPARISON = re.compile(r"(<=|>=|==|!=|<|>)")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass
class Draw:
    """How one given value is drawn: a number from a range, one of a list of choices, or a matrix of numbers."""

    __pydantic_config__: ClassVar[dict[str, Any]] = CONFIG

    range: tuple[float, float] | None = None
    """Lowest and highest value, both included."""
    decimals: Annotated[int, Field(ge=0, le=MAX_DECIMALS)] | None = None
    """Decimals of a number from the range (default 0: whole numbers)."""
    step: Annotated[float, Field(gt=0)] | None = None
    """A number from the range is the lowest plus a whole number of steps (instead of decimals)."""
    choice: Annotated[list[Any], Field(min_length=1, max_length=MAX_CHOICES)] | None = None
    """The value is one of these, each as likely."""
    matrix: str | None = None
    """Draw a vector ("3") or a matrix ("2x3") whose entries come from the range."""

    def __post_init__(self) -> None:
        if (self.range is None) == (self.choice is None):
            raise ValueError("expected exactly one of range or choice")
        if self.choice is not None and (self.decimals, self.step, self.matrix) != (None, None, None):
            raise ValueError("a choice takes no decimals, step or matrix; expected the values to choose from")
        if self.range is not None:
            self._check_range(*self.range)
        if self.matrix is not None:
            self.shape()

    def _check_range(self, low: float, high: float) -> None:
        if not low <= high:
            raise ValueError(f"range [{low:g}, {high:g}] is empty; expected the lowest value first")
        if self.decimals is not None and self.step is not None:
            raise ValueError("expected decimals or step, not both")
        if self.step is not None and (high - low) / self.step > MAX_STEPS:
            raise ValueError(f"a step of {self.step:g} makes over {MAX_STEPS:,} values; expected a larger step")
        if self.step is None and _whole_range(low, high, self.decimals or 0) is None:
            raise ValueError(f"range [{low:g}, {high:g}] holds no number with {self.decimals or 0} decimals")

    def shape(self) -> tuple[int, ...]:
        """The drawn matrix's shape: (n,) for a vector, (rows, columns) for a matrix."""
        match = _SHAPE.fullmatch(self.matrix or "")
        sides = tuple(int(s) for s in match.groups() if s is not None) if match else ()
        if not sides or not all(1 <= s <= MAX_SIDE for s in sides):
            raise ValueError(f"matrix {self.matrix!r}: expected a size such as 3 or 2x3, sides 1 to {MAX_SIDE}")
        return sides

    def value(self, rng: np.random.Generator) -> Any:
        """One drawn value, as YAML would hold it (numbers, text, nested lists)."""
        if self.choice is not None:
            return copy.deepcopy(self.choice[int(rng.integers(len(self.choice)))])
        if self.matrix is None:
            return self._number(rng)
        rows = [[self._number(rng) for _ in range(self.shape()[-1])] for _ in range(self.shape()[0])]
        return rows if len(self.shape()) == 2 else [row[0] for row in rows]

    def _number(self, rng: np.random.Generator) -> int | float:
        low, high = self.range  # type: ignore[misc]
        if self.step is not None:
            count = math.floor((high - low) / self.step + 1e-9)
            value = low + int(rng.integers(count + 1)) * self.step
            # The step's own decimals: 0.1 + 3 × 0.1 is 0.4, not 0.4000000000000001.
            return _tidy(round(value, _decimals_of(self.step) + _decimals_of(low)))
        decimals = self.decimals or 0
        first, last = _whole_range(low, high, decimals)  # type: ignore[misc]
        return _tidy(int(rng.integers(first, last + 1)) / 10**decimals)


def _whole_range(low: float, high: float, decimals: int) -> tuple[int, int] | None:
    """The range in units of the last decimal (``[0.15, 0.3]`` with 1 decimal: 2 to 3), or None if empty."""
    scale = 10**decimals
    first, last = math.ceil(low * scale - 1e-9), math.floor(high * scale + 1e-9)
    return (first, last) if first <= last else None


def _decimals_of(number: float) -> int:
    text = f"{number:.{MAX_DECIMALS}f}".rstrip("0")
    return len(text.partition(".")[2])


def _tidy(value: float) -> int | float:
    """A whole number as an int (``3``, not ``3.0``, on the sheet)."""
    return int(value) if float(value).is_integer() else float(value)


@dataclass
class RandomSpec:
    """How to draw the given data for each student, and the conditions a drawn variant must meet."""

    __pydantic_config__: ClassVar[dict[str, Any]] = CONFIG

    draw: Annotated[dict[str, Draw], Field(min_length=1, max_length=MAX_DRAWS)]
    """A path into given (``x``, ``layers.0.weights``, ``pool.window``) -> how to draw it."""
    conditions: Annotated[list[str], Field(max_length=MAX_CONDITIONS)] = field(default_factory=list)
    """Comparisons every variant meets, over the solution's step names (``z1 > 0``, ``0 < y_hat < 4``)."""
    attempts: Annotated[int, Field(ge=1, le=MAX_ATTEMPTS)] = DEFAULT_ATTEMPTS
    """Draws tried before the spec is refused."""


# -- conditions --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """A chain of comparisons (``0 < y_hat < 4``) between expressions of the solution's step values."""

    text: str
    sides: tuple[Any, ...]  # the parsed expressions (``solver.math.expressions.Node``)
    operators: tuple[str, ...]
    names: frozenset[str]

    def failure(self, values: dict[str, np.ndarray]) -> str | None:
        """Why the values miss this condition (at its first failing entry), or None when they meet it."""
        import numpy as np

        arrays = [values[n] for n in sorted(self.names)]
        try:
            cells = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
        except ValueError:
            return f"{self.text}: the arrays it names have shapes that do not match"
        if math.prod(cells) > MAX_CONDITION_CELLS:
            return f"{self.text}: names over {MAX_CONDITION_CELLS:,} entries"
        spread = dict(zip(sorted(self.names), (np.broadcast_to(a, cells) for a in arrays), strict=True))
        for index in np.ndindex(cells):
            point = {name: float(array[index]) for name, array in spread.items()}
            if not self._holds(point):
                return f"{self.text} fails" + (f" at entry {tuple(i + 1 for i in index)}" if index else "")
        return None

    def _holds(self, point: dict[str, float]) -> bool:
        try:
            sides = [evaluate_at(side, point, self.text) for side in self.sides]
        except ParseError:
            return False  # undefined there (a division by zero): not a good variant
        if any(abs(s.imag) > 1e-12 for s in sides):
            return False
        pairs = itertools.pairwise(sides)
        return all(_compare(a.real, op, b.real) for (a, b), op in zip(pairs, self.operators, strict=True))


def _compare(left: float, operator: str, right: float) -> bool:
    close = math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-12)
    return {
        "<": left < right and not close,
        ">": left > right and not close,
        "<=": left <= right or close,
        ">=": left >= right or close,
        "==": close,
        "!=": not close,
    }[operator]


def parse_condition(text: str, names: frozenset[str]) -> Condition:
    """The condition in ``text``; a ParseError says what is wrong and where."""
    parts = _COMPARISON.split(text)
    expressions, operators = parts[::2], tuple(parts[1::2])
    if not operators:
        raise ParseError("expected a comparison such as z1 > 0 (with <, <=, >, >=, == or !=)", text, 0)
    sides = []
    offset = 0
    for part, operator in zip(expressions, (*operators, ""), strict=True):
        try:
            sides.append(parse_tree(part, names))
        except ParseError as error:
            raise ParseError(error.reason, text, offset + error.offset) from None
        offset += len(part) + len(operator)
    return Condition(text, tuple(sides), operators, frozenset().union(*(names_in(s) for s in sides)))


def numeric_values(solution: Solution) -> dict[str, np.ndarray]:
    """The steps a condition may name: those whose name is a plain name and whose value is numbers."""
    import numpy as np

    values = {}
    for step in solution:
        if not _NAME.fullmatch(step.name):
            continue
        try:
            values[step.name] = np.asarray(step.value, dtype=float)
        except (TypeError, ValueError):
            continue  # an expression or text: not for comparing
    return values


def parse_conditions(spec: RandomSpec, solution: Solution, located: Callable[..., str]) -> list[Condition]:
    """The spec's conditions, each checked against the step names of ``solution``; errors at their line."""
    names = frozenset(numeric_values(solution))
    parsed = []
    for index, text in enumerate(spec.conditions):
        try:
            parsed.append(parse_condition(text, names))
        except ParseError as error:
            raise InputError(error.one_line, where=located("random", "conditions", index)) from None
    return parsed


def missed_condition(conditions: list[Condition], solution: Solution) -> str | None:
    """The first condition ``solution`` misses, said as a reason, or None."""
    values = numeric_values(solution)
    return next((reason for c in conditions if (reason := c.failure(values)) is not None), None)


# -- drawing -----------------------------------------------------------------------------------------


def check_paths(spec: RandomSpec, given: dict[str, Any], located: Callable[..., str]) -> None:
    """Every drawn path names a value of the file's given data (which is then a valid example of the spec).

    ``located("random", "draw", path)`` says where a value of the problem is in its file.
    """
    for path in spec.draw:
        try:
            _parent_of(given, path)
        except KeyError as missing:
            raise InputError(
                f"given has no {missing.args[0]!r}; expected a path to a given value such as x or layers.0.weights",
                where=located("random", "draw", path),
            ) from None


def _parent_of(given: Any, path: str) -> tuple[Any, Any]:
    """The container of the value at ``path`` and its key there (a KeyError names the part that is missing)."""
    node, parts = given, path.split(".")
    for depth, part in enumerate(parts):
        key: Any
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            key = int(part)
        elif isinstance(node, dict) and part in node:
            key = part
        else:
            raise KeyError(".".join(parts[: depth + 1]))
        if depth == len(parts) - 1:
            return node, key
        node = node[key]
    raise KeyError(path)


def drawn_given(spec: RandomSpec, given: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], dict]:
    """A copy of ``given`` with every drawn value in place, and the drawn values by path."""
    drawn = {path: draw.value(rng) for path, draw in spec.draw.items()}
    result = copy.deepcopy(given)
    for path, value in drawn.items():
        parent, key = _parent_of(result, path)
        parent[key] = value
    return result, drawn


#: A further test of a drawn solution (the grader's: its mistakes stay distinguishable): a reason, or None.
Test = Callable[["Solution"], str | None]


@dataclass
class Drawn:
    """A drawn variant: the problem with its drawn given data, its solution, and the values drawn by path."""

    problem: Problem
    solution: Solution
    drawn: dict[str, Any]


def draw_variant(problem: Problem, rng: np.random.Generator, test: Test | None = None) -> Drawn:
    """A variant of the random ``problem`` meeting its conditions and ``test``, drawn at most ``attempts`` times."""
    spec = problem.envelope.random
    assert spec is not None, "only a problem with random: has variants"
    conditions = problem.conditions()
    reasons: Counter[str] = Counter()
    for _ in range(spec.attempts):
        given, drawn = drawn_given(spec, problem.envelope.given, rng)
        try:
            candidate = problem.with_given(given)
            solution = candidate.solve()
        except InputError as error:
            reasons[f"the drawn data is refused ({_first_message(error)})"] += 1
            continue
        reason = missed_condition(conditions, solution) or (test(solution) if test else None)
        if reason is None:
            return Drawn(candidate, solution, drawn)
        reasons[reason] += 1
    reason = reasons.most_common(1)[0][0]
    raise InputError(
        f"no good variant in {spec.attempts} draws (most often: {reason}); "
        "expected ranges and conditions that more draws meet",
        where=problem.located("random"),
    )


def _first_message(error: InputError) -> str:
    errors = getattr(error, "errors", None)
    return (errors[0] if errors else error).message
