"""A batch worked as matrices, as courses write it: ``Z = X Wᵀ + b``, one example per row.

``batch: true`` in kind ``mlp`` puts the examples in the rows of ``X`` (batch × inputs) and
works every layer at once: ``Z1 = X W1ᵀ + b1``, ``A1 = f(Z1)``, ..., ``Y_hat``, with the
batch statistics exercises quote (``mean_Z1``, ``mean_A1``: the mean over the examples,
unit by unit).  The loss is each example's loss (``losses``) reduced over the batch, by
default their mean as PyTorch's ``reduction='mean'``; ``dL/dY_hat`` carries that 1/B,
so the error terms ``Delta^l`` and the gradients ``dL/dW^l = (Delta^l)ᵀ A^{l-1}`` and
``dL/db^l = Σ_rows Delta^l`` are those of the reduced loss.  With ``upstream`` the
matrix dL/dY_hat is given instead of a target and a loss.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Solution, Step, Variant
from solver.kinds.dense.layers import Layer, backward_weights, operand, output_delta, shown
from solver.kinds.dense.mistakes import derivative_variants
from solver.math.activations import Activation
from solver.math.losses import Loss
from solver.math.optimizers import Choice, add_updates
from solver.math.scores import averages_examples, reduction_slip

Array = np.ndarray


def rows(value: Any) -> Array:
    """A step's value as a matrix with one example per row (one number per example is a column)."""
    matrix = np.asarray(value, dtype=float)
    return matrix.reshape(-1, 1) if matrix.ndim < 2 else matrix


def with_ones(a: Any) -> Array:
    """``[1 | A]``: each example's input with the constant 1 of a folded bias in front."""
    a = rows(a)
    return np.hstack([np.ones((a.shape[0], 1)), a])


def batch_affine(weights: Any, a: Any, bias: Any = None, folded: bool = False) -> Array:
    """``Z = A Wᵀ + b`` (or ``[1 | A] Wᵀ`` when the bias is folded), one example per row."""
    weights = np.asarray(weights, dtype=float)
    z = (with_ones(a) if folded else rows(a)) @ weights.T
    return z if bias is None else z + np.asarray(bias, dtype=float)


def row_by_row(act: Activation, z: Any, derivative: bool = False) -> Array:
    """f(Z) (or f'(Z)) example by example: softmax normalises each row, not the whole matrix."""
    rule = act.derivative if derivative else act
    return np.array([np.asarray(rule(row), dtype=float) for row in rows(z)])


def check_batch(x: Any, steps: int) -> None:
    """A batch is a list of inputs (one of them is a batch of one), worked for one step."""
    if not (isinstance(x, list) and x and all(isinstance(row, list) for row in x)):
        raise InputError("batch: true needs a list of inputs, one per example, e.g. x: [[1, 2], [3, 4]]", field="x")
    if steps > 1:
        raise InputError(f"steps = {steps} with batch: true; expected 1 (one step on the batch)", field="steps")


class BatchBuilder:
    """Adds the matrix steps of a network on a batch to a solution."""

    def __init__(self, solution: Solution, layers: list[Layer], lossfn: Loss | None, mean: bool, size: int):
        self.solution = solution
        self.layers = layers
        self.loss = lossfn  # None: dL/dY_hat is given (upstream), or the batch is worked forward only
        self.mean = mean
        self.size = size  # B, the number of examples

    def givens(self, examples: list[tuple[Any, Any]], choice: Choice | None) -> None:
        s = self.solution
        for number, layer in enumerate(self.layers, start=1):
            shape = f"{layer.weights.shape[0]}×{layer.weights.shape[1]}"
            what = f"weights of layer {number} ({shape}" + (", column 0 = bias)" if layer.folded else ")")
            s.given(f"W{number}", what, layer.weights, index_origin=(1, 0) if layer.folded else ())
            if layer.bias is not None:
                s.given(f"b{number}", f"biases of layer {number}", shown(layer.bias))
        s.given("X", f"the batch: {len(examples)} inputs, one per row", np.array([x for x, _ in examples]))
        if examples[0][1] is not None:
            starts = np.array([start for _, start in examples])
            if self.loss is not None:
                s.given("Y", "the targets, one per row", starts)
            else:
                s.given("dL/dY_hat", "upstream gradient, given (one row per example)", starts)
        for symbol, title, value in choice.givens() if choice is not None else ():
            s.given(symbol, title, value)

    def forward(self) -> None:
        previous = "X"
        for number, layer in enumerate(self.layers, start=1):
            previous = self._layer(number, layer, previous, last=number == len(self.layers))

    def _layer(self, number: int, layer: Layer, previous: str, last: bool) -> str:
        s = self.solution
        z, a = f"Z{number}", "Y_hat" if last else f"A{number}"
        weights, bias, folded = f"W{number}", f"b{number}", layer.folded
        deps: tuple[str, ...] = (weights, previous) + ((bias,) if layer.bias is not None else ())
        inputs = f"[1 | {{{previous}}}]" if folded else f"{{{previous}}}"
        inputs_latex = rf"\begin{{bmatrix}} 1 & {{{previous}}} \end{{bmatrix}}" if folded else f"{{{previous}}}"
        plus = f" + {{{bias}}}" if layer.bias is not None else ""
        # On a sheet a vector is a column; b is added to every row (example) of X·Wᵀ, so it is written as a row.
        plus_latex = rf" + {{{bias}}}^\top" if layer.bias is not None else ""
        variants = []
        if layer.bias is not None or folded:
            variants.append(
                Variant(
                    "bias_forgotten",
                    "Each row of Z is W·a + b; you left out the bias.",
                    lambda w, x, *_: rows(x) @ backward_weights(w, folded).T,
                )
            )
        if layer.weights.shape[0] == layer.weights.shape[1]:
            variants.append(
                Variant(
                    "weights_not_transposed",
                    "The examples are the rows of the batch, so Z = X Wᵀ + b; you multiplied by W itself.",
                    lambda w, x, b=None: batch_affine(np.asarray(w, float).T, x, b, folded),
                )
            )
        s.add(
            Step(
                z,
                f"pre-activations of layer {number}, one row per example",
                deps=deps,
                compute=lambda w, x, b=None: batch_affine(w, x, b, folded),
                formula=Template(f"{inputs}·{{{weights}}}ᵀ{plus}", rf"{inputs_latex} {{{weights}}}^\top{plus_latex}"),
                variants=tuple(variants),
            )
        )
        act = layer.activation
        s.add(
            Step(
                a,
                "outputs, one row per example" if last else f"activations of layer {number}, one row per example",
                deps=(z,),
                compute=lambda v, act=act: row_by_row(act, v),
                formula=Template(act.form(z), act.form(z, "latex")),
            )
        )
        for name in (z, a):
            self._batch_mean(name)
        return a

    def _batch_mean(self, name: str) -> None:
        """The mean over the examples of each column: the batch statistic exercises quote."""
        self.solution.add(
            Step(
                f"mean_{name}",
                f"batch mean of {{{name}}}, unit by unit",
                deps=(name,),
                compute=lambda v: shown(rows(v).mean(axis=0)),
                formula=Template(
                    f"(1/{self.size}) Σ_rows {{{name}}}",
                    rf"\frac{{1}}{{{self.size}}} \sum_{{\text{{rows}}}} {{{name}}}",
                ),
                variants=(
                    Variant(
                        "mean_over_units",
                        "A batch statistic is taken over the examples (the rows), unit by unit; you averaged a row.",
                        lambda v: shown(rows(v).mean(axis=1)),
                    ),
                ),
            )
        )

    def loss_steps(self) -> None:
        """Each example's loss, their mean (or sum), and dL/dY_hat of that reduced loss."""
        assert self.loss is not None
        lossfn, s, mean, size = self.loss, self.solution, self.mean, self.size

        def each(y_hat: Any, y: Any, rule: Any = lossfn.value) -> Array:
            return np.array([rule(p, t) for p, t in zip(rows(y_hat), rows(y), strict=True)])

        # The loss's own slips (a ½ too many, a sum for a mean), made in every row.
        slips = tuple(
            Variant(m.name, m.feedback, lambda p, y, m=m: each(p, y, lambda pr, tr: m.wrong(lossfn, pr, tr)))
            for m in lossfn.value_mistakes
        )

        def gradient(y_hat: Any, y: Any, mean: bool = mean) -> Array:
            per_row = np.array(
                [np.atleast_1d(lossfn.gradient(p, t)) for p, t in zip(rows(y_hat), rows(y), strict=True)]
            )
            return per_row / per_row.shape[0] if mean else per_row

        s.add(
            Step(
                "losses",
                f"{lossfn.name} loss of each example",
                deps=("Y_hat", "Y"),
                compute=each,
                variants=slips,
                formula=Template(
                    lossfn.form("Y_hat", "Y") + " (row by row)",
                    lossfn.form("Y_hat", "Y", "latex") + r"\quad \text{(row by row)}",
                ),
            )
        )
        how = "mean" if mean else "sum"
        s.add(
            Step(
                "loss",
                f"loss of the batch ({how} over the examples)",
                deps=("losses",),
                compute=lambda v: float(np.mean(v) if mean else np.sum(v)),
                formula=Template(f"(1/{size}) Σ {{losses}}", rf"\frac{{1}}{{{size}}} \sum {{losses}}")
                if mean
                else Template("Σ {losses}", r"\sum {losses}"),
                variants=(reduction_slip(mean, _mean_or_sum, "The batch's loss"),),
            )
        )
        text, latex = lossfn.form("Y_hat", "Y", "text", True), lossfn.form("Y_hat", "Y", "latex", True)
        s.add(
            Step(
                "dL/dY_hat",
                "derivative of the batch loss with respect to the outputs, one row per example",
                deps=("Y_hat", "Y"),
                compute=gradient,
                formula=Template(f"(1/{size})·[{text}]", rf"\frac{{1}}{{{size}}} \left[{latex}\right]")
                if mean
                else Template(text, latex),
                variants=(reduction_slip(mean, gradient, "The batch's dL/dY_hat"),),
            )
        )

    def backward(self, input_gradients: bool) -> None:
        count = len(self.layers)
        self._output_delta(count)
        for number in range(count - 1, 0, -1):
            self._hidden_delta(number)
        for number, layer in enumerate(self.layers, start=1):
            self._parameter_gradients(number, layer)
        if input_gradients:
            for number in range(len(self.layers), 0, -1):  # from the top down, as a network without a batch
                self._input_gradient(number, self.layers[number - 1])

    def _input_gradient(self, number: int, layer: Layer) -> None:
        """dL/dA^{l-1} = Delta^l·W^l, one row per example: what layer ``number`` sends back to its input."""
        weights, delta = f"W{number}", f"Delta{number}"
        name, what = ("dL/dX", "the inputs") if number == 1 else (f"dL/dA{number - 1}", f"{{A{number - 1}}}")
        self.solution.add(
            Step(
                name,
                f"gradient with respect to {what}, one row per example",
                deps=(weights, delta),
                compute=lambda w, d: rows(d) @ backward_weights(w, layer.folded),
                formula=Template(f"{{{delta}}}·{{{weights}}}", f"{{{delta}}} {{{weights}}}"),
            )
        )

    def _slope(self, number: int, name: str) -> str:
        act, z = self.layers[number - 1].activation, f"Z{number}"
        self.solution.add(
            Step(
                name,
                f"derivative of the activation of layer {number}, {act.name}'({{{z}}})",
                deps=(z,),
                compute=lambda v: row_by_row(act, v, derivative=True),
                formula=Template(act.form(z, "text", True), act.form(z, "latex", True)),
                variants=derivative_variants(act, lambda wrong, v: np.array([wrong(row) for row in rows(v)])),
            )
        )
        return name

    def _output_delta(self, count: int) -> None:
        top, z, delta = self.layers[-1].activation, f"Z{count}", f"Delta{count}"
        title = f"error terms of the output layer, {{dL/dZ{count}}}, one row per example"
        if top.name == "softmax":  # each row through its own softmax Jacobian
            step = Step(
                delta,
                title,
                deps=(z, "dL/dY_hat"),
                compute=lambda zv, g: np.array(
                    [output_delta(top, r, gr) for r, gr in zip(rows(zv), rows(g), strict=True)]
                ),
                formula=Template(
                    f"J_softmax({{{z}}})ᵀ·{{dL/dY_hat}}, row by row",
                    rf"J_{{\mathrm{{softmax}}}}({{{z}}})^\top {{dL/dY_hat}} \quad \text{{(row by row)}}",
                ),
            )
        else:
            slope = self._slope(count, f"dY_hat/dZ{count}")
            step = Step(
                delta,
                title,
                deps=("dL/dY_hat", slope),
                compute=lambda g, d: rows(g) * rows(d),
                formula=Template(f"{{dL/dY_hat}} ⊙ {{{slope}}}", rf"{{dL/dY_hat}} \odot {{{slope}}}"),
            )
        self.solution.add(step)

    def _hidden_delta(self, number: int) -> None:
        folded = self.layers[number].folded
        weights, above = f"W{number + 1}", f"Delta{number + 1}"
        slope = self._slope(number, f"dA{number}/dZ{number}")
        through = f"{{{weights}}}[:, 1:]" if folded else f"{{{weights}}}"
        self.solution.add(
            Step(
                f"Delta{number}",
                f"error terms of layer {number}, {{dL/dZ{number}}}, one row per example",
                deps=(weights, above, slope),
                compute=lambda w, d, f: (rows(d) @ backward_weights(w, folded)) * rows(f),
                formula=Template(
                    f"({{{above}}}·{through}) ⊙ {{{slope}}}", rf"\left({{{above}}} {through}\right) \odot {{{slope}}}"
                ),
            )
        )

    def _parameter_gradients(self, number: int, layer: Layer) -> None:
        delta, below, folded = f"Delta{number}", "X" if number == 1 else f"A{number - 1}", layer.folded
        inputs = f"[1 | {{{below}}}]" if folded else f"{{{below}}}"
        self.solution.add(
            Step(
                f"dL/dW{number}",
                f"gradient of the weights of layer {number}, summed over the batch",
                deps=(delta, below),
                compute=lambda d, a: rows(d).T @ (with_ones(a) if folded else rows(a)),
                formula=Template(f"{{{delta}}}ᵀ·{inputs}", rf"{{{delta}}}^\top {inputs}"),
                index_origin=(1, 0) if folded else (),
            )
        )
        if layer.bias is not None:
            self.solution.add(
                Step(
                    f"dL/db{number}",
                    f"gradient of the biases of layer {number}: the error terms summed over the batch",
                    deps=(delta,),
                    compute=lambda d: shown(rows(d).sum(axis=0)),
                    formula=Template(f"Σ_rows {{{delta}}}", rf"\sum_{{\text{{rows}}}} {{{delta}}}"),
                    variants=(
                        Variant(
                            "bias_gradient_averaged",
                            "dL/db sums the rows of the error terms (any 1/B is already in them); you averaged.",
                            lambda d: shown(rows(d).mean(axis=0)),
                        ),
                    ),
                )
            )

    def updates(self, choice: Choice, trained: list[tuple[str, tuple[int, ...]]]) -> None:
        add_updates(self.solution, choice, trained, shown=shown, as_operand=operand)


def _mean_or_sum(values: Any, mean: bool) -> float:
    return float(np.mean(values) if mean else np.sum(values))


def solve_batch(
    solution: Solution,
    layers: list[Layer],
    examples: list[tuple[Any, Any]],
    lossfn: Loss | None,
    given: Any,
    choice: Choice | None,
    trained: list[tuple[str, tuple[int, ...]]],
) -> Solution:
    """The batch's steps: givens, the forward pass as matrices, the batch statistics, the loss, backward, update."""
    check_batch(given.x, given.steps)
    builder = BatchBuilder(solution, layers, lossfn, mean=averages_examples(given), size=len(examples))
    builder.givens(examples, choice)
    builder.forward()
    if examples[0][1] is None:
        return solution
    if lossfn is not None:
        builder.loss_steps()
    builder.backward(given.input_gradients)
    if choice is not None:
        builder.updates(choice, trained)
    return solution
