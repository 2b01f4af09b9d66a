"""The numeric step graph of kind ``neuron``: z, a, the loss and the chain rule factor by factor."""

from __future__ import annotations

from typing import Any

import numpy as np

from solver.graph.blocks import Math
from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Noted, Solution, Step, Variant
from solver.graph.values import counted
from solver.kinds.dense.layers import check_upstream, operand, shown, vector
from solver.kinds.dense.mistakes import derivative_variants
from solver.math.activations import activation, elementwise_names
from solver.math.losses import check_target, check_training, loss, loss_steps
from solver.math.optimizers import training_choice, update_steps


def _dot(w: Any, x: Any) -> float:
    return float(np.dot(vector(w), vector(x)))


def solve_numeric(kind: str, given: Any, title: str | None = None) -> Solution:
    if given.w is None or given.x is None:
        raise InputError(
            "w and x are needed (numbers, or lists of equal length)", field="w" if given.w is None else "x"
        )
    if given.batch or (isinstance(given.x, list) and any(isinstance(v, list) for v in given.x)):
        return _solve_batch(kind, given, title)
    check_upstream(given.upstream, given.y, given.loss)
    target = given.y if given.upstream is None else given.upstream
    check_training(target, given.learning_rate, given.loss, {"input_gradients": given.input_gradients})
    choice = training_choice(given.optimizer, given.learning_rate, target)
    w, x = vector(given.w), vector(given.x)
    if w.size != x.size:
        raise InputError(f"w has {w.size} entries but x has {x.size}; expected one weight per input", field="w")
    act = activation(given.activation, where="activation")
    if not act.elementwise:
        raise InputError(
            f"{act.name} needs a layer of units; expected one of: {', '.join(elementwise_names())} here",
            field="activation",
        )
    scalar = w.size == 1
    backward = given.y is not None or given.upstream is not None
    solution = Solution(kind, title or f"One {act.name} neuron: forward pass" + (", gradients" if backward else ""))
    solution.given("w", "weight" if scalar else "weights", shown(w))
    solution.given("x", "input" if scalar else "inputs", shown(x))
    solution.given("b", "bias", given.b)
    product = "{w}·{x}" if scalar else "{w} · {x}"
    z = solution.add(
        Step(
            "z",
            "weighted sum",
            deps=("w", "x", "b"),
            compute=lambda wv, xv, bv: _dot(wv, xv) + bv,
            formula=Template(product + " + {b}", r"{w} \cdot {x} + {b}"),
            variants=(
                Variant("bias_forgotten", "z = w·x + b; you left out the bias b.", lambda wv, xv, bv: _dot(wv, xv)),
            ),
        )
    )
    if not scalar:
        terms = " + ".join(f"{wi:g}·{xi:g}" for wi, xi in zip(w, x, strict=True))
        solution["z"].detail = [Math(f"{terms} + {given.b:g} = {z:.6g}")]
    solution.add(
        Step(
            "a",
            f"activation ({act.name})",
            deps=("z",),
            compute=lambda zv: float(act(zv)),
            formula=Template(act.form("z"), act.form("z", "latex")),
        )
    )
    if given.upstream is not None:
        solution.given("dL/da", "upstream gradient, given", given.upstream)
    elif given.y is not None:
        _loss(solution, given)
    else:
        return solution
    solution.add(
        Step(
            "da/dz",
            "derivative of the activation",
            deps=("z",),
            compute=lambda zv: Noted(float(act.derivative(zv)), act.note(zv) if act.note else None),
            formula=Template(act.form("z", derivative=True), act.form("z", "latex", True)),
            variants=derivative_variants(act, lambda wrong, zv: float(wrong(np.asarray(zv, dtype=float)))),
        )
    )
    solution.add(
        Step(
            "dz/dw",
            "derivative of {z} with respect to {w}",
            deps=("x",),
            compute=lambda xv: xv,
            formula=Template("{x}"),
        )
    )
    solution.add(Step("dz/db", "derivative of {z} with respect to {b}", compute=lambda: 1))
    chains = [("w", "dz/dw"), ("b", "dz/db")]
    if given.input_gradients:
        solution.add(
            Step(
                "dz/dx",
                "derivative of {z} with respect to {x}",
                deps=("w",),
                compute=lambda wv: wv,
                formula=Template("{w}"),
            )
        )
        chains.append(("x", "dz/dx"))
    for parameter, local in chains:
        solution.add(
            Step(
                f"dL/d{parameter}",
                f"gradient with respect to {{{parameter}}} (chain rule)",
                deps=("dL/da", "da/dz", local),
                compute=lambda g, d, dz: shown(g * d * vector(dz)),
                formula=Template("{dL/da}·{da/dz}·{" + local + "}", r"{dL/da} \cdot {da/dz} \cdot {" + local + "}"),
            )
        )
    if choice is not None:
        for symbol, title, value in choice.givens():
            solution.given(symbol, title, value)
        for parameter in ("w", "b"):
            for step in update_steps(choice, parameter, f"dL/d{parameter}", shown=shown, as_operand=operand):
                solution.add(step)
    return solution


def _loss(solution: Solution, given: Any) -> None:
    """The target, the loss and dL/da, where the chain rule starts."""
    lossfn = loss(given.loss or "mse", delta=given.huber_delta, where="loss")
    check_target(lossfn.name, given.y)
    solution.given("y", "target", given.y)
    for step in loss_steps(
        lossfn,
        "a",
        "y",
        ("loss", "dL/da"),
        (f"{lossfn.name} loss", "derivative of the loss with respect to {a}"),
        shown,
    ):
        solution.add(step)


def _solve_batch(kind: str, given: Any, title: str | None = None) -> Solution:
    """A neuron on a batch: the one-unit layer ``W1 = [w]``, ``b1 = [b]`` worked like a network's batch
    (``solver.kinds.dense.batch_steps``)."""
    from solver.kinds.dense import mlp, mlp_steps

    if isinstance(given.w, list) and any(isinstance(v, list) for v in given.w):
        raise InputError("w has a list inside a list; expected one weight per input", field="w")
    for field in ("y", "upstream"):
        value = getattr(given, field)
        if isinstance(value, list) and any(isinstance(v, list) for v in value):
            raise InputError(f"{field} has a list inside a list; expected one number per example", field=field)
    weights, first = np.atleast_1d(given.w), np.atleast_1d(given.x[0]) if isinstance(given.x, list) else None
    if first is not None and weights.size != first.size:
        entries = counted(weights.size, "entry", "entries")
        message = f"w has {entries} but each example of x has {first.size}; expected one weight per input"
        raise InputError(message, field="w")
    layer = mlp.LayerGiven(weights=[np.atleast_1d(given.w).tolist()], bias=[given.b], activation=given.activation)
    network = mlp.Given(
        layers=[layer],
        x=given.x,
        y=given.y,
        loss=given.loss,
        upstream=given.upstream,
        learning_rate=given.learning_rate,
        optimizer=given.optimizer,
        reduction=given.reduction,
        huber_delta=given.huber_delta,
        batch=True,
        input_gradients=given.input_gradients,
    )
    size = len(given.x) if isinstance(given.x, list) else 1
    try:
        return mlp_steps.solve_numeric(kind, network, title or f"One {given.activation} neuron on a batch of {size}")
    except InputError as error:
        # The network speaks of its layer's fields; in the neuron's file they are w, b and activation.
        error.field = NEURON_FIELDS.get(error.field or "", error.field)
        raise


#: Where a neuron's batch finds what its one-unit layer's errors are about.
NEURON_FIELDS = {"layers.0.weights": "w", "layers.0.bias": "b", "layers.0.activation": "activation", "layers": "w"}
