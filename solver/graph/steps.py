"""The step graph: a solution is an ordered graph of named steps.

Every problem kind builds a ``Solution`` by adding ``Step``s in dependency
order.  A step knows its parents (``deps``), how it is shown (``formula``) and
how it is computed from its parents' values (``compute``).  Rendering walks
the steps; grading re-runs them with a student's own values put in
(``Solution.evaluate``), which is how error-carried-forward credit works.

>>> from solver.graph.formula import Template
>>> s = Solution("demo", "z = 2x")
>>> s.given("x", "input", 3)
3
>>> s.add(Step("z", "double", deps=("x",), compute=lambda x: 2 * x,
...            formula=Template("2·{x}")))
6
>>> s.evaluate({"x": 5})["z"]
10
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from solver.graph.errors import InputError
from solver.graph.formula import Formula
from solver.graph.names import entry_index, fill_names, split_entry
from solver.graph.values import format_value, is_finite

if TYPE_CHECKING:  # the size commands start without loading what only worked sheets need
    from solver.graph.blocks import Block, View
    from solver.graph.tables import Table


@dataclass(frozen=True)
class Noted:
    """What a compute function returns when the value comes with a reason."""

    value: Any
    note: str | None


@dataclass(frozen=True)
class Variant:
    """A classic wrong rule for a step, for the grader to name a mistake.

    ``compute`` replaces the step's own rule; it takes the values of ``deps``
    (the step's deps unless given).  Re-evaluating the solution with a variant
    in place (``Solution.evaluate(variant=...)``) shows what the mistake leads
    to downstream, so a wrong ReLU derivative is recognised in dL/dW too.
    """

    name: str
    feedback: str
    compute: Callable[..., Any]
    deps: tuple[str, ...] | None = None


@dataclass
class Step:
    """One named quantity of a worked solution.

    ``compute`` takes the values of ``deps`` in order and returns the value
    (or a ``Noted`` value), and reads nothing else.  A step with no ``compute`` is given data.
    ``written_in`` names steps whose *names* the value is written in without reading their
    values, as the notes write σ'(z) = a(1 − a): shown in the formula, never recomputed from.
    ``index_origin`` gives, per axis, the number of the first entry when a
    grader addresses entries (``W1[1,2]``): 1 as the notes count, 0 for an
    axis whose entry 0 is a folded bias.
    """

    name: str
    #: What the step is, in words; the steps it mentions are marked ``{name}`` (``gradient of {W_y}``).
    title: str
    deps: tuple[str, ...] = ()
    compute: Callable[..., Any] | None = None
    formula: Formula | None = None
    value: Any = None
    note: str | None = None
    index_origin: tuple[int, ...] = ()
    #: The work behind the value, line by line (``solver.graph.blocks``): each format writes it its own way.
    detail: list[Block] = field(default_factory=list)
    variants: tuple[Variant, ...] = ()
    #: Pictures of the value (a ``Grid`` with marked cells, a ``Table``), drawn by every format.
    views: tuple[View, ...] = ()
    #: Names the formula is written in but the value never reads (σ' written as a(1 − a)): shown, not deps.
    written_in: tuple[str, ...] = ()
    #: A step of a long run (a training step after the first few) that sheets show as a row of one of
    #: the solution's tables rather than on its own; it is graded and published like any other.
    in_table: bool = False

    @property
    def is_given(self) -> bool:
        return self.compute is None

    def __repr__(self) -> str:
        return f"Step({self.name} = {format_value(self.value)})"


def _run(step: Step, values: Mapping[str, Any], variant: Variant | None = None) -> Noted:
    """The step's value from its parents' values; a value that is not a finite number is an error.

    Floating-point trouble is judged on the step's result, not on the way there:
    NumPy is told not to warn (``exp(1000)`` inside a sigmoid that ends at 0 is
    fine), and an infinite or undefined result names the step that produced it.
    """
    compute = variant.compute if variant else step.compute
    deps = variant.deps if variant and variant.deps is not None else step.deps
    try:
        with _quiet_numpy():
            result = compute(*(values[d] for d in deps))  # type: ignore[misc]
    except (OverflowError, ZeroDivisionError) as error:
        raise _not_finite(step, "it overflows" if isinstance(error, OverflowError) else "it divides by zero") from None
    noted = result if isinstance(result, Noted) else Noted(result, step.note)
    if not is_finite(noted.value):
        raise _not_finite(step, "it overflows or is undefined")
    return noted


def _quiet_numpy() -> Any:
    """NumPy's floating-point warnings off (only when NumPy is in use: start-up stays light)."""
    numpy = sys.modules.get("numpy")
    return numpy.errstate(all="ignore") if numpy is not None else nullcontext()


def _not_finite(step: Step, what: str) -> InputError:
    return InputError(
        f"step {step.name} ({fill_names(step.title)}) is not a finite number ({what}); "
        f"expected data whose results stay within ±{sys.float_info.max:.1e}"
    )


class Solution:
    """An ordered graph of steps with the kind and title of its problem."""

    def __init__(self, kind: str, title: str, notation: Mapping[str, str] | None = None, source: str | None = None):
        self.kind = kind
        self.title = title
        self.source = source
        self.notation: dict[str, str] = dict(notation or {})
        self.steps: dict[str, Step] = {}
        #: The names an answer may use, for a kind that declares them (a derivation); else those of each value.
        self.symbols: tuple[str, ...] = ()
        #: The steps or entries the problem asks for (``W1[1,2]``), when it says: figures draw what is asked.
        self.asked: tuple[str, ...] = ()
        #: Summary tables shown after the steps; those with a ``key`` are published as data too.
        self.tables: list[Table] = []
        self._ancestors: dict[str, list[str]] = {}

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps.values())

    def __getitem__(self, name: str) -> Step:
        return self.steps[name]

    def __contains__(self, name: object) -> bool:
        return name in self.steps

    def __repr__(self) -> str:
        return f"Solution({self.kind}: {', '.join(map(repr, self.steps.values()))})"

    def given(self, name: str, title: str, value: Any, *, index_origin: tuple[int, ...] = ()) -> Any:
        """Record a piece of the problem's data as a step without parents; data must be finite numbers."""
        if not is_finite(value):
            raise InputError(
                f"{name} ({title}) holds a value that is not a finite number; expected finite numbers", field=name
            )
        return self.add(Step(name, title, value=value, index_origin=index_origin))

    def add(self, step: Step) -> Any:
        """Append a step after its dependencies, compute its value and return it."""
        if step.name in self.steps:
            raise ValueError(f"step {step.name!r} is defined twice")
        missing = [d for d in (*step.deps, *step.written_in) if d not in self.steps]
        if missing:
            raise ValueError(f"step {step.name!r} depends on unknown steps {missing}")
        if not step.is_given:
            result = _run(step, {d: self.steps[d].value for d in step.deps})
            step.value, step.note = result.value, result.note
        self.steps[step.name] = step
        return step.value

    def values(self) -> dict[str, Any]:
        return {name: step.value for name, step in self.steps.items()}

    def published(self) -> dict[str, Any]:
        """The data of the tables that have a ``key`` (e.g. conv-stack's ``layers``), by key."""
        from solver.graph.tables import published

        return {table.key: published(table) for table in self.tables if table.key}

    @property
    def answers(self) -> dict[str, Any]:
        """The computed values by name (given data left out)."""
        return {s.name: s.value for s in self.steps.values() if not s.is_given}

    def evaluate(
        self,
        overrides: Mapping[str, Any] | None = None,
        variant: tuple[str, str] | None = None,
        upto: str | None = None,
    ) -> dict[str, Any]:
        """All values again, with ``overrides`` put in place of those steps' values.

        Downstream steps are recomputed from the overridden values.  With
        ``variant=(step, name)`` that step follows the named wrong rule instead
        of its own; ``variant=("*", name)`` applies it at every step that
        declares it (a habit, e.g. forgetting the +1 on both axes).  With
        ``upto``, only that step and what it depends on are computed (the grader
        asks for one step at a time).  The solution itself is left unchanged.
        """
        overrides = overrides or {}
        unknown = set(overrides) - set(self.steps)
        if unknown:
            raise KeyError(f"no such steps: {sorted(unknown)}")
        wrong_rules = self._variants(*variant) if variant else {}
        needed = None if upto is None else self._needed(upto, wrong_rules)
        values: dict[str, Any] = {}
        # Steps whose inputs all keep their solved values keep their solved value too: only what lies
        # downstream of an override or a wrong rule is computed again (the grader evaluates a lot).
        moved: set[str] = set(overrides)
        for step in self.steps.values():
            if needed is not None and step.name not in needed:
                continue
            if step.name in overrides:
                values[step.name] = overrides[step.name]
            elif step.is_given:
                values[step.name] = step.value
            elif step.name in wrong_rules or not moved.isdisjoint(step.deps):
                values[step.name] = _run(step, values, wrong_rules.get(step.name)).value
                moved.add(step.name)
            else:
                values[step.name] = step.value
        return values

    def _needed(self, name: str, wrong_rules: Mapping[str, Variant]) -> set[str]:
        """``name`` and every step it depends on, through the wrong rules' own deps where they differ."""
        if not wrong_rules:
            return set(self.ancestors(name))
        wanted = {name}
        for step in reversed(list(self.steps.values())):
            if step.name in wanted:
                wanted.update(step.deps)
                rule = wrong_rules.get(step.name)
                if rule is not None and rule.deps is not None:
                    wanted.update(rule.deps)
        return wanted

    def _variants(self, step_name: str, variant_name: str) -> dict[str, Variant]:
        """The steps that take the named wrong rule, with that rule."""
        steps = self.steps.values() if step_name == "*" else [self.steps[step_name]]
        found = {s.name: v for s in steps for v in s.variants if v.name == variant_name}
        if not found:
            raise KeyError(f"no step {step_name!r} with a variant {variant_name!r}")
        return found

    def ancestors(self, name: str) -> list[str]:
        """``name`` and every step it depends on, in solution order."""
        # Steps are only ever appended after their deps, so a step's ancestors never change.
        if name not in self._ancestors:
            wanted = {name}
            for step in reversed(list(self.steps.values())):
                if step.name in wanted:
                    wanted.update(step.deps)
            self._ancestors[name] = [s for s in self.steps if s in wanted]
        return list(self._ancestors[name])

    def entry(self, reference: str, values: Mapping[str, Any] | None = None) -> Any:
        """The value of ``name`` or of one entry ``name[i]`` / ``name[i,j]``."""
        values = self.values() if values is None else values
        if reference in self.steps:
            return values[reference]
        name, written = split_entry(reference)
        index = None if written is None else entry_index(written)
        if index is None or name not in self.steps:
            raise InputError(f"no step or entry named {reference!r} in this {self.kind} solution")
        return pick_entry(values[name], index, self.steps[name].index_origin, reference)


def pick_entry(value: Any, index: tuple[int, ...], origin: tuple[int, ...], reference: str) -> Any:
    """``value[index]`` with the step's index origins (1 unless it says otherwise)."""
    item = value
    for position in entry_position(index, _shape_of(value), origin, reference):
        item = item[position]
    return item


def entry_position(
    index: tuple[int, ...], shape: tuple[int, ...], origin: tuple[int, ...], reference: str
) -> tuple[int, ...]:
    """Zero-based position of the entry numbered ``index`` in a value of ``shape``.

    Axes are numbered from ``origin`` (1 unless it says otherwise).  A 1×n row
    or n×1 column takes one index as a vector does (``h1[2]``).
    """
    if len(index) == 1 and len(shape) == 2 and 1 in shape:
        long_axis = 1 if shape[0] == 1 else 0
        first = origin[long_axis] if long_axis < len(origin) else 1
        (position,) = entry_position(index, (shape[long_axis],), (first,), reference)
        return (0, position) if long_axis == 1 else (position, 0)
    if len(index) != len(shape):
        raise InputError(f"{reference}: expected {len(shape)} indices for a value of shape {shape}, got {len(index)}")
    positions = []
    for axis, (i, size) in enumerate(zip(index, shape, strict=True)):
        first = origin[axis] if axis < len(origin) else 1
        if not first <= i < first + size:
            raise InputError(f"{reference}: index {i} is out of range {first}..{first + size - 1}")
        positions.append(i - first)
    return tuple(positions)


def _shape_of(value: Any) -> tuple[int, ...]:
    if hasattr(value, "shape"):
        return tuple(value.shape)
    shape: list[int] = []
    while isinstance(value, (list, tuple)):
        shape.append(len(value))
        value = value[0] if value else None
    return tuple(shape)
