"""A batch of sequences for rnn, lstm and gru: each example worked as one sequence, then the batch.

``batch:`` lists the examples, each with its own ``x`` (or ``words``), ``y`` and, when it
has one, ``h0`` (and ``c0`` for an lstm); an ``h0`` (``c0``) beside the batch is the initial
state of every example that gives none, zero when neither does.  The weights are shared.

Each example is solved as a problem of one sequence (its forward pass and BPTT, as the
notes work them) and its steps are named with the example: ``h2_ex1`` (h₂⁽¹⁾),
``dL_ex1/dW_h`` (∂L⁽¹⁾/∂W_h).  Then the batch:

* ``loss`` = (1/B) Σ_b L⁽ᵇ⁾ with ``reduction: mean`` or Σ_b L⁽ᵇ⁾ with ``sum``.  Each L⁽ᵇ⁾ is
  itself the mean (sum) over its sequence's outputs, and every sequence has the same
  length T, so the mean is over all B·T outputs, as PyTorch's ``reduction='mean'``; Keras
  averages over the time steps inside each sample and then over the batch
  (``sum_over_batch_size``): the same number for sequences of one length.
* ``dL/dW`` = (1/B) Σ_b dL⁽ᵇ⁾/dW (Σ for a sum) for every parameter, and from those the
  optional gradient-descent update.

The other reduction (a sum where the problem averages, or the reverse) is a named mistake
on the loss and on every gradient.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np

from solver.graph.arrays import ArraySteps
from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Solution, Step
from solver.graph.tables import Table
from solver.kinds import GIVEN_CONFIG
from solver.kinds.recurrent.backward import add_update
from solver.kinds.recurrent.network import read_sequence
from solver.kinds.recurrent.text import hole
from solver.math.limits import MAX_BATCH_SEQUENCES, MAX_RNN_WORK, MAX_TIME_STEPS, require_at_most
from solver.math.losses import check_training
from solver.math.scores import reduction, reduction_slip

Vector = float | list[float]

#: The fields that belong to one example of a batch rather than to the network.
PER_EXAMPLE = ("x", "words", "y", "h0", "c0")


@dataclass
class Example:
    """One sequence of a batch, with its targets."""

    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    y: float | list[float | list[float]]
    """Target: one value or vector (many-to-one), or one per time step (outputs: every_step)."""
    x: list[float | list[float]] | None = None
    """The input sequence, one number or vector per time step."""
    words: list[str] | str | None = None
    """The input sequence as words, one-hot encoded from the problem's `vocabulary` (instead of x)."""
    h0: Vector | None = None
    """This sequence's initial hidden state (the problem's h0 if left out, zero if that is left out too)."""


@dataclass
class CellExample(Example):
    """One sequence of an LSTM's batch: an example with an initial cell state of its own."""

    c0: Vector | None = None
    """This sequence's initial cell state (the problem's c0 if left out, zero if that is left out too)."""


BATCH_DESCRIPTION = (
    "A batch of sequences sharing the weights, each {x or words, y, h0?}: each worked as one sequence, "
    "then the loss reduced over the batch (reduction) and the gradients combined from the examples'."
)


def solve_batch(given: Any, solve_one: Callable[[Any], Solution], title: str | None) -> Solution:
    """The examples of ``given.batch`` solved one by one by ``solve_one``, then the batch's loss and gradients."""
    examples, length = _examples(given)
    check_training(examples[0].y, given.learning_rate, None)
    solutions = [_solve_example(given, solve_one, examples, 1)]
    hidden = np.size(solutions[0]["h1"].value)
    require_at_most(
        len(examples) * length * hidden**3,
        MAX_RNN_WORK,
        "the work of BPTT over the batch (sequences × time steps × hidden units³)",
        "batch",
    )
    outputs = length if given.outputs == "every_step" else 1
    solutions += [_solve_example(given, solve_one, examples, n) for n in range(2, len(examples) + 1)]
    head = solutions[0].title.partition(":")[0]
    how = reduction(given.reduction)
    batch = Solution(
        solutions[0].kind,
        title
        or f"{head}, for each of the {len(examples)} sequences of a batch: forward pass and BPTT, "
        f"then the batch's {how}",
    )
    parameters = _merge(batch, solutions, given)
    arrays = ArraySteps(batch)
    arrays.shapes.update({step.name: np.shape(step.value) for step in batch})
    combine = _combination(len(examples), outputs, how == "mean")
    _batch_loss(arrays, len(examples), outputs, how, combine)
    for name in parameters:
        if f"dL/d{name}" in solutions[0]:
            _batch_gradient(arrays, name, len(examples), outputs, how, combine)
    if given.learning_rate is not None:
        add_update(arrays, given.learning_rate, tuple(parameters))
    return batch


def _examples(given: Any) -> tuple[list[Example], int]:
    """The batch's examples, checked: no sequence beside them, of one length and one input size, within the limits."""
    for name in ("x", "words", "y"):
        if getattr(given, name) is not None:
            raise InputError(
                f"{name} is given beside batch; expected each example's x (or words) and y inside batch", field=name
            )
    examples: list[Example] = given.batch
    if not examples:
        raise InputError("batch is empty; expected at least one example {x, y}", field="batch")
    require_at_most(len(examples), MAX_BATCH_SEQUENCES, "sequences in the batch", "batch")
    first: list[np.ndarray] = []
    for number, example in enumerate(examples, start=1):
        view = SimpleNamespace(x=example.x, words=example.words, vocabulary=given.vocabulary)
        inputs, _ = _located(number, example, lambda view=view: read_sequence(view))
        first = first or inputs
        field = f"batch.{number - 1}.{'x' if example.x is not None else 'words'}"
        if len(inputs) != len(first):
            raise InputError(
                f"example {number} of the batch has {len(inputs)} time step(s) but example 1 has {len(first)}; "
                "expected sequences of one length (pad the shorter ones, or give them as separate problems)",
                field=field,
            )
        if inputs[0].size != first[0].size:
            raise InputError(
                f"example {number} of the batch has inputs of {inputs[0].size} entries but example 1 has "
                f"{first[0].size}; expected one input size for the whole batch",
                field=field,
            )
    require_at_most(len(examples) * len(first), MAX_TIME_STEPS, "time steps over the whole batch", "batch")
    return examples, len(first)


def _located(number: int, example: Example, work: Callable[[], Any]) -> Any:
    """``work()``, its input errors about a field of the example placed at that example (batch.0.y, ...)."""
    try:
        return work()
    except InputError as error:
        root = (error.field or "").split(".")[0]
        # The sequence and its targets are always the example's; an initial state only when it gives its own.
        if root not in ("x", "words", "y") and getattr(example, root, None) is None:
            raise
        where = f"batch.{number - 1}.{error.field}"
        raise InputError(f"example {number} of the batch: {error.message}", field=where) from None


def _solve_example(given: Any, solve_one: Callable[[Any], Solution], examples: list[Example], number: int) -> Solution:
    """Example ``number`` as a problem of one sequence: its own sequence, targets and initial states, no update."""
    example = examples[number - 1]
    own = {name: getattr(example, name) for name in ("x", "words", "y")}
    for state in ("h0", "c0"):
        if hasattr(example, state):
            own[state] = getattr(given, state) if getattr(example, state) is None else getattr(example, state)
    one = replace(given, batch=None, learning_rate=None, **own)
    return _located(number, example, lambda: solve_one(one))


# ------------------------------------------------------------------------------- merging the examples

_DERIVATIVE = re.compile(r"d(\w+)/d(.+)")
_HOLE = re.compile(r"\{([^{}\s]+)\}")


def _merge(batch: Solution, solutions: list[Solution], given: Any) -> list[str]:
    """The shared weights once, then each example's steps under its own names; returns the parameters."""
    network_fields = {f.name for f in fields(given)} - set(PER_EXAMPLE)
    shared: set[str] = set()
    for step in solutions[0]:
        if (step.is_given and step.name in network_fields) or (step.deps and set(step.deps) <= shared):
            shared.add(step.name)
            batch.add(step)
    for number, solution in enumerate(solutions, start=1):
        rename = _Renamer(number, shared, set(solution.steps))
        for step in solution:
            if step.name not in shared:
                batch.add(rename.step(step))
        batch.tables += [rename.table(table) for table in solution.tables]
    return [step.name for step in solutions[0] if step.is_given and step.name in shared]


@dataclass(frozen=True)
class _Renamer:
    """An example's names: ``h2`` -> ``h2_ex1``, ``dL/dW_h`` -> ``dL_ex1/dW_h``; the shared weights keep theirs."""

    number: int
    shared: set[str]
    names: set[str]

    def name(self, name: str) -> str:
        derivative = _DERIVATIVE.fullmatch(name)
        if derivative:
            top, bottom = derivative.groups()
            return f"d{top}_ex{self.number}/d{bottom if self._is_shared(bottom) else self.name(bottom)}"
        return name if name in self.shared else f"{name}_ex{self.number}"

    def _is_shared(self, name: str) -> bool:
        """A weight, or a weight's path term (W_h_path3): the same for every example."""
        return re.sub(r"_path\d+$", "", name) in self.shared

    def text(self, text: str, names: tuple[str, ...] = ()) -> str:
        """``text`` with each ``{name}`` of a step (or of ``names``, or a derivative) renamed; LaTeX's braces kept."""

        def renamed(hole_match: re.Match[str]) -> str:
            name = hole_match[1]
            known = name in self.names or name in names or _DERIVATIVE.fullmatch(name)
            return hole(self.name(name)) if known else hole_match[0]

        return _HOLE.sub(renamed, text)

    def step(self, step: Step) -> Step:
        formula = step.formula
        if isinstance(formula, Template):
            formula = Template(self.text(formula.text), None if formula.latex is None else self.text(formula.latex))
        return replace(
            step,
            name=self.name(step.name),
            title=f"example {self.number}: {self.text(step.title)}",
            deps=tuple(map(self.name, step.deps)),
            formula=formula,
            written_in=tuple(map(self.name, step.written_in)),
            detail=[self._block(block) for block in step.detail],
            variants=tuple(
                replace(v, deps=None if v.deps is None else tuple(map(self.name, v.deps))) for v in step.variants
            ),
        )

    def _block(self, block: Any) -> Any:
        """A Math line names its factors; other blocks are words."""
        names = getattr(block, "names", ())
        if not names:
            return block
        latex = None if block.latex is None else self.text(block.latex, names)
        return replace(block, text=self.text(block.text, names), latex=latex, names=tuple(map(self.name, names)))

    def table(self, table: Table) -> Table:
        rows = [[self.text(cell) if isinstance(cell, str) else cell for cell in row] for row in table.rows]
        title = f"Example {self.number}: {self.text(table.title)}"
        return replace(table, title=title, rows=rows, key=f"{table.key}_ex{self.number}" if table.key else "")


# ------------------------------------------------------------------------------- the batch's steps


def _combination(examples: int, outputs: int, averaged_within: bool) -> Callable[..., Any]:
    """The examples' losses (or gradients) combined with a mean (``mean=True``) or a sum over all outputs.

    Each example's value is already the mean (or the sum, as the problem says) over its
    ``outputs``; the sum over all B·T outputs is Σ_b value_b, times T when they are means.
    One function serves the problem's own reduction and the other one, the named mistake.
    """

    def combine(*values: Any, mean: bool) -> Any:
        total = sum(values) * (outputs if averaged_within else 1)
        return total / (examples * outputs) if mean else total

    return combine


def _share_text(examples: int, how: str, terms: list[str]) -> Template:
    summed = " + ".join(map(hole, terms))
    if how == "sum":
        return Template(summed)
    return Template(f"(1/{examples})·({summed})", rf"\frac{{1}}{{{examples}}} \left({summed}\right)")


def _batch_loss(steps: ArraySteps, examples: int, outputs: int, how: str, combine: Callable[..., Any]) -> None:
    """The examples' losses reduced; ``outputs`` per example (one per step, many-to-many)."""
    each = f", each the {how} over its {outputs} steps" if outputs > 1 else ""
    over = f" — the {how} over all {examples * outputs} outputs" if outputs > 1 else ""
    title = f"loss of the batch: the {how} of the {examples} examples' losses{each}{over}"
    _combined(steps, "loss", title, [f"loss_ex{n}" for n in range(1, examples + 1)], outputs, how, combine)


def _batch_gradient(
    steps: ArraySteps, name: str, examples: int, outputs: int, how: str, combine: Callable[..., Any]
) -> None:
    title = f"gradient of {hole(name)} over the batch: the {how} of the {examples} examples' gradients"
    terms = [f"dL_ex{n}/d{name}" for n in range(1, examples + 1)]
    _combined(steps, f"dL/d{name}", title, terms, outputs, how, combine)


def _combined(
    steps: ArraySteps, name: str, title: str, terms: list[str], outputs: int, how: str, combine: Callable[..., Any]
) -> None:
    """The step ``name`` combining the examples' ``terms``, and the slip of combining them the other way.

    The slip sums (or averages) every output, B·T of them, as the step's own reduction counts them.
    """
    parts = "examples" if outputs == 1 else f"{len(terms) * outputs} outputs (every step of every example)"
    steps.add(
        name,
        title,
        tuple(terms),
        lambda *v: combine(*v, mean=how == "mean"),
        _share_text(len(terms), how, terms),
        mistakes=[reduction_slip(how == "mean", combine, f"The batch's {name}", parts)],
    )
