"""Every step's compute reads exactly its deps: over every problem file and every kind.

Two checks, both of which a compute that closes over a value fails:

* **each dep matters**: evaluating with one dep overridden by a perturbed value (same type and
  shape) changes the step, for at least one of a few perturbations (a ReLU at z < 0 or a
  window's non-maximum may ignore one of them, not all);
* **nothing else matters**: the same problem solved afresh from perturbed given data, and each
  step's compute run on *that* solution's dep values, gives that solution's value.  A compute
  that kept a value of the first data (a closure, a default argument) gives the first answer.

Carried-forward credit and rounding slack rest on both: they re-run computes on a student's
own earlier values.  ``test_the_checks_catch_a_closure`` shows each check failing on a step
built to close over a value.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator, Mapping
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from conftest import PROBLEMS

from solver.files.problem_file import load_problem
from solver.graph.errors import InputError
from solver.graph.steps import Noted, Solution, Step
from solver.graph.values import Shape, is_sympy
from solver.kinds import kind_module

# --- perturbed values ---------------------------------------------------------------------------


def perturbed_values(value: Any) -> Iterator[Any]:
    """A few values of ``value``'s type and shape that differ from it (none for what cannot vary)."""
    for variant in range(3):
        changed = _perturbed(value, variant, np.random.default_rng(variant))
        if changed is not None:
            yield changed


def _perturbed(value: Any, variant: int, rng: np.random.Generator) -> Any:
    if isinstance(value, bool) or value is None:
        return None if value is None else not value
    if isinstance(value, Shape):  # larger, or with one more axis
        return Shape((*value, 2)) if variant == 2 else Shape(d + variant + 1 for d in value)
    if isinstance(value, (int, np.integer)):
        return type(value)(value + (1, -1, 2)[variant])
    if isinstance(value, Fraction):
        return value + (Fraction(3, 2), Fraction(-7, 3), Fraction(5, 1))[variant]
    if isinstance(value, (float, np.floating)):
        return type(value)((value + 0.37, -1.3 * value - 0.2, value + 2.1)[variant])
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "iu":
            return value + rng.integers(1, 4, size=value.shape).astype(value.dtype)
        if value.dtype.kind == "f":
            noise = rng.uniform(0.1, 0.6, size=value.shape)
            return (value + noise, -value - noise, value * 1.7 + noise)[variant]
        return None
    if is_sympy(value):
        import sympy

        delta = sympy.Symbol(f"perturbation_{variant}")
        if getattr(value, "is_Matrix", False):
            return value.applyfunc(lambda entry: entry + delta)
        return (value + delta, 2 * value + 1, value * delta)[variant]
    if isinstance(value, (list, tuple)):
        items = [_perturbed(item, variant, rng) for item in value]
        return None if any(i is None for i in items) else type(value)(items)
    if isinstance(value, str):
        return value + "′" * (variant + 1)
    return None


# --- the two checks -----------------------------------------------------------------------------


def same(a: Any, b: Any) -> bool:
    if isinstance(a, Noted) and isinstance(b, Noted):
        return a.note == b.note and same(a.value, b.value)
    if is_sympy(a) or is_sympy(b):
        return bool(a == b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, (str, Shape)) or isinstance(b, (str, Shape)):
        return a == b
    try:
        left, right = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return bool(a == b)
    return left.shape == right.shape and bool(np.allclose(left, right, rtol=1e-12, atol=0, equal_nan=True))


def rerun(step: Step, values: Mapping[str, Any]) -> Noted:
    """The step's value and note from ``values`` of its deps: what ``Solution.evaluate`` runs for it."""
    with np.errstate(all="ignore"):
        result = step.compute(*(values[d] for d in step.deps))  # type: ignore[misc]
    return result if isinstance(result, Noted) else Noted(result, step.note)


def deps_that_do_not_matter(solution: Solution) -> list[str]:
    """``step <- dep`` for every dep whose perturbed values all leave the step as it was.

    The other deps are held at their values, then at perturbed ones: a dep that a product with 0
    hides at the problem's own data (a ReLU that is off) shows at another point.  A compute that
    refuses a perturbed value has read it: that counts as mattering.
    """
    ignored = []
    for step in solution:
        own = {d: solution[d].value for d in step.deps}
        points = [own] + [
            {d: _perturbed(v, variant, np.random.default_rng(10 + variant)) for d, v in own.items()}
            for variant in range(3)
        ]
        for dep in step.deps:
            if not any(_matters(step, dep, point) for point in points if all(v is not None for v in point.values())):
                ignored.append(f"{step.name} <- {dep}")
    return ignored


def _matters(step: Step, dep: str, point: dict[str, Any]) -> bool:
    try:
        before = rerun(step, point)
    except Exception:  # a point the rule cannot take says nothing
        return False
    for value in perturbed_values(point[dep]):
        try:
            after = rerun(step, {**point, dep: value})
        except Exception:  # refusing the value is reading it
            return True
        if not same(after, before):
            return True
    return False


def computed_from_other_data(solution: Solution, other: Solution) -> list[str]:
    """The steps whose compute, run on ``other``'s dep values, does not give ``other``'s value and note."""
    wrong = []
    for step in solution:
        if step.is_given:
            continue
        theirs = other[step.name]
        if not same(rerun(step, {d: other[d].value for d in step.deps}), Noted(theirs.value, theirs.note)):
            wrong.append(step.name)
    return wrong


def shape(value: Any) -> tuple[int, ...]:
    if hasattr(value, "shape") and not isinstance(value, Shape):
        return tuple(value.shape)
    if isinstance(value, (list, tuple)):
        return (len(value), *(shape(value[0]) if value else ()))
    return ()


def same_structure(a: Solution, b: Solution) -> bool:
    """The same graph: step names, deps and the shapes of the values (a layer's width is structure)."""
    return [(s.name, s.deps, shape(s.value)) for s in a] == [(s.name, s.deps, shape(s.value)) for s in b]


# --- perturbed given data -----------------------------------------------------------------------

_NUMBER = re.compile(r"\d+")


def _nudged(value: Any, variant: int) -> Any:
    """``value`` with its numbers moved (variant 0: up a little, 1: down, 2: up more); None if it has none."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value + (1, -1, 2)[variant]
    if isinstance(value, float):
        return (value + 0.25, value * 0.5 - 0.05, 1 - value)[variant]
    if isinstance(value, str):
        if not _NUMBER.search(value):
            return None
        return _NUMBER.sub(lambda m: str(max(1, int(m[0]) + (1, -1, 2)[variant])), value)
    if isinstance(value, list):
        items = [_nudged(item, variant) for item in value]
        if all(i is None for i in items):
            return None
        return [new if new is not None else old for new, old in zip(items, value, strict=True)]
    if isinstance(value, dict):  # values by name (a circuit's inputs)
        moved = {name: _nudged(item, variant) for name, item in value.items()}
        if all(new is None for new in moved.values()):
            return None
        return {name: new if new is not None else value[name] for name, new in moved.items()}
    if dataclasses.is_dataclass(value):
        changes = {f.name: _nudged(getattr(value, f.name), variant) for f in dataclasses.fields(value)}
        changes = {k: v for k, v in changes.items() if v is not None}
        return dataclasses.replace(value, **changes) if changes else None
    return None


#: Fields that choose a kind's rule rather than give it data: a compute may keep them (as it keeps
#: which activation).  A map layer's stride, padding and window fix where its windows fall; conv-stack's
#: layer list is its rules; rnn's learning rate is written into its update rule (it has no η step).
RULE_FIELDS = {
    "conv": {"stride", "padding", "dilation", "flip", "activation", "pool", "groups", "padding_mode"},
    "pool": {"window", "stride", "padding", "mode", "ceil", "count_include_pad"},
    "conv-transpose": {"stride", "padding", "output_padding", "dilation"},
    "pad": {"padding", "mode"},
    "conv1d": {"stride", "padding", "dilation"},
    "pool1d": {"window", "stride", "padding", "mode", "ceil", "count_include_pad"},
    "conv-stack": {"layers"},
    "rnn": {"learning_rate", "convention", "activation", "output", "outputs", "loss"},
    "mlp": {"steps", "form", "reduction", "huber_delta"},
    "neuron": {"huber_delta"},
    "loss": {"huber_delta", "losses"},
    "graph": {"expression"},
}


def resolved(kind: str, given: Any, title: str | None) -> Iterator[tuple[str, Solution]]:
    """The problem solved afresh with one field of its data nudged at a time, where it still solves alike."""
    module = kind_module(kind)
    first = module.solve(given, title=title)
    for field in dataclasses.fields(given):
        if field.name in RULE_FIELDS.get(kind, ()):
            continue
        for variant in range(3):
            value = _nudged(getattr(given, field.name), variant)
            if value is None:
                continue
            try:
                other = module.solve(dataclasses.replace(given, **{field.name: value}), title=title)
            except (InputError, ValueError):
                continue
            if same_structure(first, other):
                yield f"{field.name} (variant {variant})", other


# --- the solutions checked: every problem file, and each quick command's kind -------------------


def _given(kind: str, **data: Any) -> tuple[str, Any]:
    return kind, kind_module(kind).Given(**data)


LAYER = kind_module("mlp").LayerGiven

#: Data for each kind as the quick commands build it, with the options that change the graph.
QUICK: dict[str, tuple[str, Any]] = {
    "conv-size": _given("conv-size", input="32x28x3", kernel="5x3", stride=2, padding=1, dilation=2, filters=8),
    "conv-size-same": _given("conv-size", input="9x6", kernel=3, padding="same"),
    "conv-depthwise-separable": _given(
        "conv",
        image=[[[1.0, 2.0, 0.5], [3.0, -1.0, 2.0]], [[0.0, 1.0, -2.0], [1.5, 2.0, 1.0]]],
        kernels=[[[1.0, -1.0]], [[0.5, 2.0]]],
        groups=2,
        pointwise=[[1.0, -0.5], [2.0, 0.25]],
        activation="relu",
    ),
    "conv1d-padded-dilated": _given(
        "conv1d",
        sequence=[[1.0, -2.0, 0.5, 3.0, 1.0], [0.0, 1.0, 2.0, -1.0, 0.5]],
        kernels=[[[1.0, -1.0], [0.5, 2.0]], [[0.25, 1.0], [-1.0, 1.5]]],
        bias=[0.5, -0.25],
        stride=2,
        padding=1,
        dilation=2,
    ),
    "pool1d-avg-ceil": _given(
        "pool1d",
        sequence=[1.0, -2.0, 0.5, 3.0, 1.0],
        window=2,
        padding=1,
        mode="avg",
        ceil=True,
        count_include_pad=False,
    ),
    "conv-transpose-cropped": _given(
        "conv-transpose",
        image=[[1.0, -2.0], [0.5, 3.0]],
        kernel=[[1.0, 2.0], [-1.0, 0.5]],
        bias=0.5,
        stride=2,
        padding=1,
        output_padding=1,
    ),
    "conv-size-grouped": _given("conv-size", input="12x12x8", kernel=3, filters=16, groups=4),
    "conv-size-transposed": _given(
        "conv-size", input="5x4", kernel="3x2", stride=2, padding=1, dilation="1x2", output_padding=1, transposed=True
    ),
    "pool-size": _given("pool-size", input="13x11x4", window=3, stride=2, padding=1, ceil=True),
    "conv-stack": _given(
        "conv-stack", input="32x32x3", layers=["conv k=3 n=8 p=1", "maxpool k=2", "flatten", "dense n=10"]
    ),
    "conv": _given(
        "conv",
        image=[[1, 2, 0, 3], [4, 1, 2, 0], [0, 3, 1, 2], [2, 0, 4, 1]],
        kernel=[[1, 0], [-1, 2]],
        bias=1,
        stride=1,
        padding=1,
        activation="relu",
        pool=kind_module("conv").PoolSpec(window=2, mode="max"),
    ),
    "pool-avg": _given(
        "pool",
        map=[[1, 2, 3, 4, 5], [5, 6, 7, 8, 1], [9, 1, 2, 3, 4], [4, 5, 6, 7, 8]],
        window=2,
        stride=2,
        padding=1,
        mode="avg",
        count_include_pad=False,
    ),
    "pool-max-ceil": _given(
        "pool", map=[[1, 2, 3, 4, 5], [5, 6, 7, 8, 1], [9, 1, 2, 3, 4]], window=2, mode="max", ceil=True
    ),
    "neuron-tanh-huber": _given(
        "neuron", w=[0.2, -0.4], x=[0.5, 1.5], b=0.1, activation="tanh", y=0.3, loss="huber", learning_rate=0.1
    ),
    "neuron-sigmoid-bce": _given(
        "neuron", w=0.7, x=1.2, b=-0.3, activation="sigmoid", y=1.0, loss="bce", learning_rate=0.5
    ),
    "neuron-leaky-hinge": _given(
        "neuron", w=[0.3, 0.1], x=[1.0, -2.0], b=0.2, activation="leaky_relu", y=1.0, loss="hinge", learning_rate=0.1
    ),
    "neuron-rmsprop-weight-decay": _given(
        "neuron",
        w=[0.3, -0.1],
        x=[1.0, 2.0],
        b=0.2,
        activation="tanh",
        y=0.5,
        loss="mse",
        optimizer=kind_module("mlp").OptimizerGiven(name="rmsprop", lr=0.01, weight_decay=0.1),
    ),
    "neuron-symbolic": _given("neuron", activation="sigmoid", loss="bce", symbolic=True, learning_rate=0.1),
    "neuron-symbolic-two-inputs": _given("neuron", w=[1.0, 2.0], activation="tanh", loss="half_squared", symbolic=True),
    "mlp-softmax-cross-entropy": _given(
        "mlp",
        layers=[
            LAYER(weights=[[0.1, -0.2], [0.3, 0.4], [-0.5, 0.2]], bias=[0.1, 0.0, -0.1], activation="relu"),
            LAYER(weights=[[0.2, -0.1, 0.3], [0.4, 0.1, -0.2]], bias=[0.0, 0.1], activation="softmax"),
        ],
        x=[1.0, 2.0],
        y=[0.0, 1.0],
        loss="cross_entropy",
        learning_rate=0.1,
        steps=3,
    ),
    "mlp-adam-frozen-bias-training": _given(
        "mlp",
        layers=[
            LAYER(weights=[[0.1, -0.2], [0.3, 0.4]], bias=[0.1, 0.0], activation="sigmoid"),
            LAYER(weights=[[0.2, -0.1]], bias=[0.05], activation="linear"),
        ],
        x=[[1.0, 2.0], [0.5, -1.0]],
        y=[1.0, 0.0],
        loss="mse",
        optimizer=kind_module("mlp").OptimizerGiven(name="adam", lr=0.05, weight_decay=0.1),
        frozen=["b1"],
        steps=4,
    ),
    "mlp-nesterov-training": _given(
        "mlp",
        layers=[LAYER(weights=[[0.3, -0.2]], bias=[0.1], activation="tanh")],
        x=[1.0, 2.0],
        y=[0.5],
        loss="half_squared",
        optimizer=kind_module("mlp").OptimizerGiven(name="nesterov", lr=0.1, momentum=0.8),
        steps=3,
    ),
    "mlp-mse-mean-of-examples": _given(
        "mlp",
        layers=[
            LAYER(weights=[[0.1, -0.2], [0.3, 0.4]], bias=[0.1, 0.0], activation="tanh"),
            LAYER(weights=[[0.2, -0.1]], bias=[0.05], activation="linear"),
        ],
        x=[[1.0, 2.0], [0.5, -1.0]],
        y=[1.0, 0.0],
        loss="mse",
        learning_rate=0.2,
        reduction="mean",
        form="vector",
    ),
    "mlp-symbolic-relu-folded": _given(
        "mlp",
        symbolic=True,
        inputs=2,
        loss="half_squared",
        learning_rate=0.5,
        layers=[LAYER(units=2, bias="folded", activation="relu"), LAYER(units=1, activation="tanh")],
    ),
    "perceptron-bipolar-bias": _given(
        "perceptron",
        x=[[1.0, 2.0], [-1.0, 0.5], [0.5, -1.5]],
        y=[1, -1, -1],
        b=0.5,
        labels="bipolar",
        learning_rate=0.5,
    ),
    "loss-every-loss": _given("loss", y=[0.0, 1.0, 0.0], y_hat=[0.2, 0.7, 0.1]),
    "graph-every-gate": _given(
        "graph",
        expression="L = tanh(a*b) + relu(a - b) + exp(-a)*log(b) + sqrt(b)/abs(a) + max(a, b) + (a*b)^2 + b^a",
        inputs={"a": 1.2, "b": 1.1},
    ),
    "rnn-every-step": _given(
        "rnn",
        W_x=[[0.5, -0.2], [0.1, 0.3]],
        W_h=[[0.4, 0.1], [-0.2, 0.3]],
        W_y=[[0.6], [-0.4]],
        x=[[1.0, 0.0], [0.5, -0.5], [0.0, 1.0]],
        y=[0.2, -0.1, 0.3],
        outputs="every_step",
        b_h=[0.1, -0.1],
        b_y=0.05,
        learning_rate=0.1,
    ),
}


def cases() -> list[Any]:
    files = [pytest.param(("file", path), id=path.stem) for path in sorted(PROBLEMS.glob("*.yaml"))]
    quick = [pytest.param(("quick", name), id=name) for name in QUICK]
    return [case for case in files if not case.values[0][1].name.startswith("homework")] + quick


def problem(case: tuple[str, Any]) -> tuple[str, Any, str | None]:
    source, what = case
    if source == "quick":
        kind, given = QUICK[what]
        return kind, given, None
    loaded = load_problem(what)
    return loaded.kind, loaded.given, loaded.envelope.title


@pytest.mark.parametrize("case", cases())
def test_every_dep_of_every_step_matters(case):
    kind, given, title = problem(case)
    solution = kind_module(kind).solve(given, title=title)
    assert deps_that_do_not_matter(solution) == []


@pytest.mark.parametrize("case", cases())
def test_every_compute_reads_only_its_deps(case):
    kind, given, title = problem(case)
    solution = kind_module(kind).solve(given, title=title)
    others = list(resolved(kind, given, title))
    assert others, "no field of the data could be nudged with the problem still solving alike"
    for nudged, other in others:
        assert computed_from_other_data(solution, other) == [], f"solved again with {nudged}"


# --- the checks themselves fail on a closure ----------------------------------------------------


def _chain(x: float, closes_over_value: bool) -> Solution:
    """z = 2x; y = z + 1, where the broken y keeps the z of its own data instead of reading it."""
    solution = Solution("demo", "a chain")
    solution.given("x", "input", x)
    z = solution.add(Step("z", "double", deps=("x",), compute=lambda v: 2 * v))
    compute: Callable[..., Any] = (lambda _: z + 1) if closes_over_value else (lambda v: v + 1)
    solution.add(Step("y", "plus one", deps=("z",), compute=compute))
    return solution


def test_the_checks_catch_a_closure():
    assert deps_that_do_not_matter(_chain(3.0, False)) == []
    assert computed_from_other_data(_chain(3.0, False), _chain(5.0, False)) == []
    assert deps_that_do_not_matter(_chain(3.0, True)) == ["y <- z"]
    assert computed_from_other_data(_chain(3.0, True), _chain(5.0, True)) == ["y"]


def test_a_dep_that_matters_only_elsewhere_still_counts():
    # ReLU at z < 0 ignores small changes of z; a perturbation that crosses 0 shows the dependency.
    solution = Solution("demo", "relu")
    solution.given("z", "pre-activation", -1.0)
    solution.add(Step("a", "ReLU", deps=("z",), compute=lambda z: max(z, 0.0)))
    assert deps_that_do_not_matter(solution) == []
