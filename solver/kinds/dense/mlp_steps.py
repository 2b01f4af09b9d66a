"""The numeric step graph of kind ``mlp``: forward, loss, delta rule, gradients, update.

Each step's compute function is one of the small rules of ``solver.kinds.dense.layers``
applied to its parents' values, so the grader can put a student's own value
in anywhere and see the rest follow.  Named mistakes (``Variant``) sit on the
step where the wrong rule is applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from solver.files.matrices import matrix_from_data
from solver.graph.blocks import Block, Math
from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Noted, Solution, Step, Variant
from solver.graph.tables import Column, Table
from solver.graph.values import format_number, format_term
from solver.kinds.dense.layers import (
    Layer,
    affine,
    backward_weights,
    check_chain,
    check_upstream,
    hidden_delta,
    operand,
    output_delta,
    shown,
    vector,
    weight_gradient,
    with_one,
)
from solver.kinds.dense.mistakes import derivative_variants
from solver.math.activations import Activation, activation, check_softmax_width
from solver.math.limits import (
    MAX_EXAMPLES,
    MAX_LAYERS,
    MAX_TRAINING_STEPS,
    MAX_TRAINING_WORK,
    MAX_UNITS,
    require_at_most,
)
from solver.math.losses import Loss, check_target, check_training, loss, loss_steps
from solver.math.optimizers import Choice, add_updates, training_choice, update_steps
from solver.math.scores import averages_examples, reduction_slip

#: Layers up to this many units and inputs are also worked unit by unit in ``form: auto``.
SCALAR_FORM_LIMIT = 4


def parse_layers(layers_given: list[Any]) -> list[Layer]:
    if not layers_given:
        raise InputError("expected at least one layer", field="layers")
    layers = []
    for i, spec in enumerate(layers_given):
        where = f"layers.{i}"
        weights = _weights(spec.weights, i + 1, f"{where}.weights")
        folded = isinstance(spec.bias, str) and spec.bias.strip().lower() == "folded"
        if isinstance(spec.bias, str) and not folded and spec.bias.strip().lower() not in ("none", "no", "0"):
            raise InputError(
                f"layer {i + 1}: bias {spec.bias!r}; expected a list of numbers, 'folded' or 'none'",
                field=f"{where}.bias",
            )
        bias = None if spec.bias is None or isinstance(spec.bias, str) else vector(spec.bias)
        if bias is not None and bias.size == 1:
            bias = np.full(weights.shape[0], bias[0])  # one number: the same bias for every unit
        act = activation(spec.activation, where=f"{where}.activation")
        layers.append(Layer(weights, bias, folded, act))
    return layers


def _weights(given: list[list[float]] | str | None, number: int, field: str) -> np.ndarray:
    """A layer's weight matrix from the file's rows, or from a matrix file (or text) it names."""
    if given is None:
        raise InputError(f"layer {number}: weights are missing (units × inputs)", field=field)
    if isinstance(given, str):
        try:
            weights = np.atleast_2d(matrix_from_data(given, f"layer {number} weights"))
        except InputError as error:
            error.field = field
            raise
        if weights.ndim != 2:
            raise InputError(f"layer {number}: weights have {weights.ndim} axes; expected units × inputs", field=field)
        return weights
    rows = {len(row) for row in given}
    if len(rows) != 1 or 0 in rows:
        raise InputError(f"layer {number}: weight rows have different lengths {sorted(rows)}", field=field)
    return np.asarray(given, dtype=float)


def _examples(given: Any) -> list[tuple[Any, Any]]:
    """(x, start) per example: the start of the backward pass is the target y, or the given upstream dL/dŷ."""
    if given.x is None:
        raise InputError("x is missing: the input vector (or a list of them)", field="x")
    if any(isinstance(v, str) for v in np.ravel(np.asarray(given.x, dtype=object))):
        raise InputError("x must be numbers unless symbolic: true", field="x")
    several = isinstance(given.x, list) and given.x and isinstance(given.x[0], list)
    xs = [vector(x) for x in given.x] if several else [vector(given.x)]
    starts, field = (given.y, "y") if given.upstream is None else (given.upstream, "upstream")
    if starts is None:
        return [(x, None) for x in xs]
    what = "targets" if field == "y" else "upstream gradients"
    if several:
        ys = starts if isinstance(starts, list) else [starts]
        if len(ys) == 1 and len(xs) > 1:
            ys = ys * len(xs)  # one target shared by every example (seed 003: "with the output as 1")
        if len(ys) != len(xs):
            raise InputError(f"{len(xs)} inputs but {len(ys)} {what}; expected one per example", field=field)
        return [(x, _numbers(y, field)) for x, y in zip(xs, ys, strict=True)]
    return [(xs[0], _numbers(starts, field))]


def _numbers(value: Any, field: str) -> np.ndarray:
    """A target or upstream gradient as a vector: a list of lists where one list was expected is refused."""
    if isinstance(value, list) and any(isinstance(v, list) for v in value):
        raise InputError(f"{field} has a list inside a list; expected one number per output unit", field=field)
    return vector(value)


def _unit_by_unit(layer: Layer, a_prev: np.ndarray, z: np.ndarray) -> list[Block]:
    """``unit j: w·a terms = z_j`` lines, as the notes work a small layer."""
    lines: list[Block] = []
    for j, row in enumerate(np.asarray(layer.weights, float)):
        terms = [f"{format_term(w)}·{format_term(a)}" for w, a in zip(row, a_prev, strict=True)]
        if layer.bias is not None:
            terms.append(format_term(layer.bias[j]))
        lines.append(Math(f"{' + '.join(terms)} = {format_number(float(z[j]))}", label=f"unit {j + 1}"))
    return lines


def _delta_by_unit(back: np.ndarray, delta_above: np.ndarray, slopes: np.ndarray) -> list[Block]:
    """``unit j: (Σ_k W[k, j]·δ_k)·f'(z_j)`` with numbers, as the notes chain dl/dα one factor at a time."""
    lines: list[Block] = []
    for j in range(back.shape[1]):
        terms = " + ".join(f"{format_term(back[k, j])}·{format_term(delta_above[k])}" for k in range(back.shape[0]))
        value = float(back[:, j] @ delta_above) * slopes[j]
        text = f"({terms})·{format_number(float(slopes[j]))} = {format_number(value)}"
        lines.append(Math(text, label=f"unit {j + 1}"))
    return lines


def _activation_by_unit(act: Activation, zs: np.ndarray, values: np.ndarray, derivative: bool = False) -> list[Block]:
    """``unit j: f(z_j) = a_j`` (or f'), in the activation's own text and LaTeX forms."""
    forms = {style: act.form("z", style, derivative) for style in ("text", "latex")}
    lines: list[Block] = []
    for j, (zj, value) in enumerate(zip(zs, values, strict=True)):
        z, result = format_number(float(zj)), format_number(float(value))
        text, latex = (forms[style].replace("{z}", z) + f" = {result}" for style in ("text", "latex"))
        lines.append(Math(text, latex, label=f"unit {j + 1}"))
    return lines


def _transposed(weights: str, folded: bool) -> tuple[str, str]:
    """The weights the error travels back through, transposed, as text and LaTeX (no bias column when folded)."""
    if folded:
        return f"{{{weights}}}[:, 1:]ᵀ", rf"{{{weights}}}_{{:,1:}}^\top"
    return f"{{{weights}}}ᵀ", rf"{{{weights}}}^\top"


class NetworkBuilder:
    """Adds the steps of one network to a solution, example by example."""

    def __init__(
        self,
        solution: Solution,
        layers: list[Layer],
        lossfn: Loss | None,
        scalar_form: bool,
        input_gradients: bool = False,
    ):
        self.solution = solution
        self.layers = layers
        self.loss = lossfn  # None: the backward pass starts from a given dL/dŷ
        self.scalar_form = scalar_form
        self.input_gradients = input_gradients

    def givens(self) -> None:
        for number, layer in enumerate(self.layers, start=1):
            shape = f"{layer.weights.shape[0]}×{layer.weights.shape[1]}"
            what = f"weights of layer {number} ({shape}" + (", column 0 = bias)" if layer.folded else ")")
            self.solution.given(f"W{number}", what, layer.weights, index_origin=(1, 0) if layer.folded else ())
            if layer.bias is not None:
                self.solution.given(f"b{number}", f"biases of layer {number}", shown(layer.bias))

    def example(self, x: Any, start: Any, suffix: str, title_suffix: str) -> None:
        """One example's steps; ``start`` is its target (with a loss), its given dL/dŷ (without), or None."""
        s = self.solution
        s.given(f"x{suffix}", f"input{title_suffix}", shown(x) if x.size == 1 else x)
        if start is not None and self.loss is not None:
            s.given(f"y{suffix}", f"target{title_suffix}", shown(start))
        previous = f"x{suffix}"
        count = len(self.layers)
        for number, layer in enumerate(self.layers, start=1):
            previous = self._forward(number, layer, previous, suffix, title_suffix, last=number == count)
        if start is None:
            return
        if self.loss is None:
            s.given(f"dL/dy_hat{suffix}", f"upstream gradient, given{title_suffix}", shown(start))
        else:
            self._loss(suffix, title_suffix)
        self._backward(suffix, title_suffix)
        if self.input_gradients:
            for number in range(len(self.layers), 0, -1):
                self._input_gradient(number, suffix, title_suffix)

    def _forward(self, number: int, layer: Layer, previous: str, suffix: str, title_suffix: str, last: bool) -> str:
        s = self.solution
        z, a = f"z{number}{suffix}", ("y_hat" if last else f"a{number}") + suffix
        weights, bias = f"W{number}", f"b{number}"
        folded = layer.folded
        if folded:
            previous = self._augmented(number, suffix, title_suffix)
        deps: tuple[str, ...] = (weights, previous) + ((bias,) if layer.bias is not None else ())
        if layer.bias is not None:
            formula = Template(
                f"{{{weights}}}·{{{previous}}} + {{{bias}}}", f"{{{weights}}} {{{previous}}} + {{{bias}}}"
            )
        else:
            formula = Template(f"{{{weights}}}·{{{previous}}}", f"{{{weights}}} {{{previous}}}")

        def compute(w: Any, a_prev: Any, b: Any = None) -> Any:
            return shown(affine(w, a_prev, b))

        variants = []
        if layer.bias is not None or folded:
            variants.append(
                Variant(
                    "bias_forgotten",
                    "The pre-activation is W·a + b; you left out the bias"
                    + (" (column 0 of the weights, times the constant input 1)." if folded else "."),
                    lambda w, a_prev, *_: shown(
                        backward_weights(w, folded) @ (vector(a_prev)[1:] if folded else vector(a_prev))
                    ),
                )
            )
        if layer.weights.shape[0] == layer.weights.shape[1]:
            variants.append(
                Variant(
                    "weights_transposed",
                    "Row j of W holds the weights into unit j; you multiplied by Wᵀ, mixing up rows and columns.",
                    lambda w, a_prev, b=None: shown(affine(np.asarray(w, float).T, a_prev, b)),
                )
            )
        value = s.add(
            Step(
                z,
                f"pre-activation of layer {number}{title_suffix}",
                deps=deps,
                compute=compute,
                formula=formula,
                variants=tuple(variants),
            )
        )
        if self.scalar_form:
            s[z].detail = _unit_by_unit(layer, vector(s[previous].value), vector(value))
        act = layer.activation
        out = s.add(
            Step(
                a,
                ("output" if last else f"activation of layer {number}") + title_suffix,
                deps=(z,),
                compute=lambda v, act=act: shown(act(vector(v))),
                formula=Template(act.form(z), act.form(z, "latex")),
            )
        )
        if self.scalar_form and act.elementwise and act.name != "linear":
            s[a].detail = _activation_by_unit(act, vector(value), vector(out))
        return a

    def _augmented(self, number: int, suffix: str, title_suffix: str) -> str:
        """The layer's input with the constant 1 in front (the notes' x̂ and ẑ), for a folded bias."""
        base = "x" if number == 1 else f"a{number - 1}"
        name = f"{base}_hat{suffix}"
        self.solution.add(
            Step(
                name,
                f"input of layer {number} with a constant 1 for the folded bias{title_suffix}",
                deps=(base + suffix,),
                compute=with_one,
                index_origin=(0,),  # entry 0 is the constant 1, the notes' x_0
                formula=Template(
                    f"[1; {{{base + suffix}}}]", rf"\begin{{bmatrix}} 1 \\ {{{base + suffix}}} \end{{bmatrix}}"
                ),
            )
        )
        return name

    def _loss(self, suffix: str, title_suffix: str) -> None:
        assert self.loss is not None
        lossfn, s = self.loss, self.solution
        y_hat, y = f"y_hat{suffix}", f"y{suffix}"
        for step in loss_steps(
            lossfn,
            y_hat,
            y,
            (f"loss{suffix}", f"dL/dy_hat{suffix}"),
            (f"{lossfn.name} loss{title_suffix}", f"derivative of the loss with respect to the output{title_suffix}"),
            shown,
        ):
            s.add(step)

    def _backward(self, suffix: str, title_suffix: str) -> None:
        s, layers = self.solution, self.layers
        count = len(layers)
        top = layers[-1].activation
        delta, z = f"delta{count}{suffix}", f"z{count}{suffix}"
        grad = f"dL/dy_hat{suffix}"
        title = f"error term of the output layer, {{dL/dz{count}}}{title_suffix}"
        if top.name == "softmax":  # the Jacobian is not a diagonal: no elementwise slope step
            text, latex = f"J_softmax({{{z}}})ᵀ·{{{grad}}}", rf"J_{{\mathrm{{softmax}}}}({{{z}}})^\top {{{grad}}}"
            s.add(
                Step(
                    delta,
                    title,
                    deps=(z, grad),
                    compute=lambda zv, g: shown(output_delta(top, zv, g)),
                    formula=Template(text, latex),
                )
            )
        elif top.name == "linear":
            s.add(Step(delta, title, deps=(grad,), compute=lambda g: g, formula=Template(f"{{{grad}}}")))
        else:
            slope = self._slope(count, suffix, title_suffix, output=True)
            s.add(
                Step(
                    delta,
                    title,
                    deps=(grad, slope),
                    compute=lambda g, d: shown(vector(g) * vector(d)),
                    formula=Template(f"{{{grad}}} ⊙ {{{slope}}}", rf"{{{grad}}} \odot {{{slope}}}"),
                )
            )
        for number in range(count - 1, 0, -1):
            self._hidden_delta(number, suffix, title_suffix)
        for number, layer in enumerate(layers, start=1):
            self._parameter_gradients(number, layer, suffix, title_suffix)

    def _slope(self, number: int, suffix: str, title_suffix: str, output: bool = False) -> str:
        """The step f'(z^l), elementwise: where the activation-derivative mistakes are made."""
        s, act = self.solution, self.layers[number - 1].activation
        z = f"z{number}{suffix}"
        name = (f"dy_hat/dz{number}" if output else f"da{number}/dz{number}") + suffix
        units = self.layers[number - 1].units
        if act.name == "linear":  # f' = 1 whatever z is: the slope reads nothing
            deps, compute = (), lambda: shown(act.derivative(np.zeros(units)))
        else:
            deps = (z,)

            def compute(zv: Any) -> Any:
                return Noted(shown(act.derivative(vector(zv))), act.note(zv) if act.note else None)

        slopes = s.add(
            Step(
                name,
                f"derivative of the activation of layer {number}, {act.name}'({{{z}}}){title_suffix}",
                deps=deps,
                compute=compute,
                formula=Template(act.form(z, "text", True), act.form(z, "latex", True)),
                variants=derivative_variants(act, lambda wrong, zv: shown(wrong(vector(zv)))),
            )
        )
        if self.scalar_form and act.name != "linear":
            s[name].detail = _activation_by_unit(act, vector(s[z].value), vector(slopes), derivative=True)
        return name

    def _hidden_delta(self, number: int, suffix: str, title_suffix: str) -> None:
        s = self.solution
        above = self.layers[number]
        folded = above.folded
        weights, delta_above = f"W{number + 1}", f"delta{number + 1}{suffix}"
        slope = self._slope(number, suffix, title_suffix)
        back, back_latex = _transposed(weights, folded)
        variants = []
        back_shape = backward_weights(above.weights, folded).shape
        if back_shape[0] == back_shape[1]:
            variants.append(
                Variant(
                    "weights_not_transposed",
                    "The error goes back through Wᵀ (seed 001: (W^{l+1})ᵀ δ^{l+1}); you multiplied by W itself.",
                    lambda w, d, f: shown((backward_weights(w, folded) @ vector(d)) * vector(f)),
                )
            )
        s.add(
            Step(
                f"delta{number}{suffix}",
                f"error term of layer {number}, {{dL/dz{number}}}{title_suffix}",
                deps=(weights, delta_above, slope),
                compute=lambda w, d, f: shown(hidden_delta(w, d, vector(f), folded)),
                formula=Template(
                    f"({back}·{{{delta_above}}}) ⊙ {{{slope}}}",
                    rf"\left({back_latex} {{{delta_above}}}\right) \odot {{{slope}}}",
                ),
                variants=tuple(variants),
            )
        )
        if self.scalar_form:
            s[f"delta{number}{suffix}"].detail = _delta_by_unit(
                backward_weights(above.weights, folded), vector(s[delta_above].value), vector(s[slope].value)
            )

    def _input_gradient(self, number: int, suffix: str, title_suffix: str) -> None:
        """dL/da^{l-1} = (W^l)ᵀ delta^l: the gradient that layer ``number`` sends back to its input."""
        folded = self.layers[number - 1].folded
        weights, delta = f"W{number}", f"delta{number}{suffix}"
        name = ("dL/dx" if number == 1 else f"dL/da{number - 1}") + suffix
        below = "the input x" if number == 1 else f"the activation of layer {number - 1}"
        back, back_latex = _transposed(weights, folded)
        variants = []
        back_shape = backward_weights(self.layers[number - 1].weights, folded).shape
        if back_shape[0] == back_shape[1]:
            variants.append(
                Variant(
                    "weights_not_transposed",
                    "The gradient goes back through Wᵀ; you multiplied by W itself.",
                    lambda w, d: shown(backward_weights(w, folded) @ vector(d)),
                )
            )
        self.solution.add(
            Step(
                name,
                f"gradient with respect to {below}{title_suffix}",
                deps=(weights, delta),
                compute=lambda w, d: shown(backward_weights(w, folded).T @ vector(d)),
                formula=Template(f"{back}·{{{delta}}}", f"{back_latex} {{{delta}}}"),
                variants=tuple(variants),
            )
        )

    def _parameter_gradients(self, number: int, layer: Layer, suffix: str, title_suffix: str) -> None:
        s = self.solution
        delta = f"delta{number}{suffix}"
        base = f"a{number - 1}" if number > 1 else "x"
        folded = layer.folded
        below = f"{base}_hat{suffix}" if folded else f"{base}{suffix}"
        text, latex = f"{{{delta}}}·{{{below}}}ᵀ", rf"{{{delta}}} {{{below}}}^\top"
        s.add(
            Step(
                f"dL/dW{number}{suffix}",
                f"gradient of the weights of layer {number}{title_suffix}",
                deps=(delta, below),
                compute=lambda d, a: weight_gradient(d, a, folded=False),
                formula=Template(text, latex),
                index_origin=(1, 0) if folded else (),
            )
        )
        if layer.bias is not None:
            s.add(
                Step(
                    f"dL/db{number}{suffix}",
                    f"gradient of the biases of layer {number}{title_suffix}",
                    deps=(delta,),
                    compute=lambda d: d,
                    formula=Template(f"{{{delta}}}"),
                )
            )


def _combine(solution: Solution, name: str, title: str, parts: list[str], mean: bool, origin: tuple[int, ...]) -> None:
    """The loss or a gradient over all examples: their sum, or their mean."""
    count = len(parts)

    def reduce(*values: Any, mean: bool = mean) -> Any:
        summed = sum(np.asarray(v, dtype=float) for v in values)
        return shown(summed / count if mean else summed)

    holes = " + ".join(f"{{{p}}}" for p in parts)
    text = f"({holes}) / {count}" if mean else holes
    latex = rf"\frac{{1}}{{{count}}} ({holes})" if mean else holes
    solution.add(
        Step(
            name,
            title,
            deps=tuple(parts),
            compute=reduce,
            formula=Template(text, latex),
            index_origin=origin,
            variants=(reduction_slip(mean, reduce, f"The batch's {name}"),),
        )
    )


def _worked(backward: bool, rate: float | None) -> str:
    """What the default title says is worked: a problem without a target is a forward pass only."""
    if not backward:
        return "forward pass"
    return "forward pass, backpropagation and update" if rate is not None else "forward pass and backpropagation"


def solve_numeric(kind: str, given: Any, title: str | None = None) -> Solution:
    check_upstream(given.upstream, given.y, given.loss)
    backward = {
        "input_gradients": given.input_gradients,
        "steps": given.steps if given.steps > 1 else None,
        "frozen": given.frozen,
        "train": given.train,
    }
    check_training(given.y if given.upstream is None else given.upstream, given.learning_rate, given.loss, backward)
    if given.upstream is not None and given.steps > 1:
        raise InputError(
            f"steps = {given.steps} with a given upstream gradient; expected 1 (dL/dŷ is given for these weights only)",
            field="steps",
        )
    if given.steps < 1:
        raise InputError(f"steps = {given.steps}: expected at least 1 gradient-descent step", field="steps")
    require_at_most(given.steps, MAX_TRAINING_STEPS, "gradient-descent steps", "steps")
    require_at_most(len(given.layers), MAX_LAYERS, "the number of layers", "layers")
    layers = parse_layers(given.layers)
    for number, layer in enumerate(layers):
        require_at_most(layer.units, MAX_UNITS, f"units of layer {number + 1}", f"layers.{number}.weights")
    check_softmax_width(layers[-1].activation.name, layers[-1].units, f"layers.{len(layers) - 1}.activation")
    examples = _examples(given)
    require_at_most(len(examples), MAX_EXAMPLES, "training examples", "x")
    require_at_most(examples[0][0].size, MAX_UNITS, "inputs", "x")
    check_chain(layers, examples[0][0].size)
    for i, (x, _) in enumerate(examples):
        if x.size != examples[0][0].size:
            raise InputError(
                f"example {i + 1} has {x.size} inputs, example 1 has {examples[0][0].size}; "
                "expected the same number of inputs in every example",
                field="x",
            )
    targets = examples[0][1] is not None and given.upstream is None
    lossfn = loss(given.loss or "mse", delta=given.huber_delta, where="loss") if targets else None
    start, field = ("the target", "y") if given.upstream is None else ("the upstream gradient", "upstream")
    for i, (_, y) in enumerate(examples):
        if y is not None and y.size != layers[-1].units:
            raise InputError(
                f"{start} has {y.size} entries but the last layer has {layers[-1].units} units",
                field=field + (f".{i}" if len(examples) > 1 else ""),
            )
        if y is not None and lossfn is not None:
            check_target(lossfn.name, y, "y" + (f".{i}" if len(examples) > 1 else ""))
    widths = "-".join(str(n) for n in [examples[0][0].size, *(layer.units for layer in layers)])
    backward = examples[0][1] is not None
    on_batch = f" on a batch of {len(examples)}" if given.batch else ""
    solution = Solution(kind, title or f"{widths} network{on_batch}: {_worked(backward, given.learning_rate)}")
    choice = training_choice(
        given.optimizer, given.learning_rate, given.y if given.upstream is None else given.upstream
    )
    trained = _trained(given, layers)
    if given.batch:
        from solver.kinds.dense.batch_steps import solve_batch

        return solve_batch(solution, layers, examples, lossfn, given, choice, trained)
    small = all(max(layer.weights.shape) <= SCALAR_FORM_LIMIT for layer in layers)
    scalar_form = given.form == "scalar" or (given.form == "auto" and small)
    mean = averages_examples(given)
    if lossfn is not None and choice is None and given.steps > 1:
        raise InputError(f"steps = {given.steps} needs a learning_rate to take the descent steps", field="steps")
    _network(solution, layers, examples, lossfn, choice, mean, scalar_form, trained, given.input_gradients)
    if lossfn is not None and choice is not None and given.steps > 1:
        entries = sum(np.size(solution[name].value) for name, _ in trained)
        require_at_most(given.steps * entries, MAX_TRAINING_WORK, "training steps × trained parameters", "steps")
        _training(solution, layers, examples, lossfn, choice, given.steps, mean, trained)
    return solution


#: Each parameter's name and index origins (a folded bias is column 0 of W).
Parameters = list[tuple[str, tuple[int, ...]]]


def parameters(layers: list[Layer]) -> Parameters:
    """Each parameter's name (W1, b1, W2, ...) and index origins (a folded bias is column 0)."""
    found: Parameters = []
    for number, layer in enumerate(layers, start=1):
        found.append((f"W{number}", (1, 0) if layer.folded else ()))
        if layer.bias is not None:
            found.append((f"b{number}", ()))
    return found


def _trained(given: Any, layers: list[Layer]) -> Parameters:
    """The parameters the optimizer updates: all but ``frozen``, or only those of ``train``."""
    every = parameters(layers)
    if given.frozen is not None and given.train is not None:
        raise InputError("frozen and train are both given; expected one of them", field="train")
    field = "frozen" if given.frozen is not None else "train"
    listed = given.frozen if given.frozen is not None else given.train
    if listed is None:
        return every
    names = [name for name, _ in every]
    for i, name in enumerate(listed):
        if name not in names:
            raise InputError(
                f"{name!r} is not a parameter of this network; expected one of: {', '.join(names)}",
                field=f"{field}.{i}",
            )
    return [p for p in every if (p[0] in listed) == (field == "train")]


def _network(
    solution: Solution,
    layers: list[Layer],
    examples: list[Any],
    lossfn: Loss | None,
    choice: Choice | None,
    mean: bool,
    scalar_form: bool,
    trained: Parameters,
    input_gradients: bool = False,
) -> None:
    """The network's steps: givens, each example's forward and backward pass, their total, and the update."""
    builder = NetworkBuilder(solution, layers, lossfn, scalar_form, input_gradients)
    builder.givens()
    for symbol, title, value in choice.givens() if choice is not None else ():
        solution.given(symbol, title, value)
    several = len(examples) > 1
    for i, (x, y) in enumerate(examples, start=1):
        builder.example(x, y, f"_e{i}" if several else "", f" (example {i})" if several else "")
    if examples[0][1] is None:
        return
    if several:
        names = [f"_e{i}" for i in range(1, len(examples) + 1)]
        how = "mean" if mean else "sum"
        if lossfn is not None:
            title = f"loss over the {len(examples)} examples ({how})"
            _combine(solution, "loss", title, [f"loss{n}" for n in names], mean, ())
        for number, layer in enumerate(layers, start=1):
            origin = (1, 0) if layer.folded else ()
            _combine(
                solution,
                f"dL/dW{number}",
                f"gradient of {{W{number}}} over the examples ({how})",
                [f"dL/dW{number}{n}" for n in names],
                mean,
                origin,
            )
            if layer.bias is not None:
                _combine(
                    solution,
                    f"dL/db{number}",
                    f"gradient of {{b{number}}} over the examples ({how})",
                    [f"dL/db{number}{n}" for n in names],
                    mean,
                    (),
                )
    if choice is not None:
        add_updates(solution, choice, trained, shown=shown, as_operand=operand)


#: Training steps worked as steps on the sheet; later ones are rows of the training table.
STEPS_SHOWN = 2
#: A loss history of a run longer than this is left to the training table (and the data): not a long line.
HISTORY_SHOWN = 20


@dataclass(frozen=True)
class OnePass:
    """One forward and backward pass of the network (its graph without worked detail), on other data."""

    network: Solution
    #: The pass's given steps: the parameters and the examples.
    data: tuple[str, ...]

    @classmethod
    def of(cls, kind: str, layers: list[Layer], examples: list[Any], lossfn: Loss, mean: bool) -> OnePass:
        network = Solution(kind, "one forward and backward pass")
        _network(network, layers, examples, lossfn, None, mean, scalar_form=False, trained=[])
        return cls(network, tuple(step.name for step in network if step.is_given))

    def step(
        self,
        wanted: str,
        name: str,
        title: str,
        holding: Mapping[str, str],
        *,
        in_table: bool,
        origin: tuple[int, ...] = (),
    ) -> Step:
        """Step ``name``: ``wanted`` after the pass, each parameter read from the step ``holding`` names."""
        data = self.data

        def one_pass(*values: Any) -> Any:
            try:
                return self.network.evaluate(overrides=dict(zip(data, values, strict=True)), upto=wanted)[wanted]
            except InputError as error:  # say which training step the pass belongs to
                raise InputError(f"{name} ({title}): {error.message}") from None

        deps = tuple(holding.get(given, given) for given in data)
        return Step(name, title, deps=deps, compute=one_pass, index_origin=origin, in_table=in_table)


def _training(
    solution: Solution,
    layers: list[Layer],
    examples: list[Any],
    lossfn: Loss,
    choice: Choice,
    steps: int,
    mean: bool,
    trained: Parameters,
) -> None:
    """Steps 2 … ``steps`` of training after the worked first one, each with its gradients, state and parameters.

    A later step's loss and gradients come from one pass at the parameters the
    step before left; its optimizer quantities are steps as at step 1.  The
    sheet shows the first STEPS_SHOWN steps and the parameters at the end; the
    training table shows every step's loss and parameters.
    """
    one_pass = OnePass.of(solution.kind, layers, examples, lossfn, mean)
    # The step holding each parameter's value: after step 1 its update; a frozen one stays given.
    holding = {name: name for name, _ in parameters(layers)} | {name: f"{name}_new" for name, _ in trained}
    after, losses = [dict(holding)], ["loss"]
    for number in range(2, steps + 1):
        tabled = number > STEPS_SHOWN
        losses.append(f"loss_t{number}")
        solution.add(one_pass.step("loss", losses[-1], f"loss before step {number}", holding, in_table=tabled))
        for parameter in trained:
            _update(solution, one_pass, choice, parameter, number, holding, tabled, last=number == steps)
        holding |= {parameter: f"{parameter}_new_t{number}" for parameter, _ in trained}
        after.append(dict(holding))
    losses.append("loss_final")
    solution.add(one_pass.step("loss", "loss_final", f"loss after the last of {steps} steps", holding, in_table=False))
    history = solution.add(
        Step(
            "loss_history",
            f"loss before each of {steps} training steps and after the last",
            deps=tuple(losses),
            compute=lambda *values: [float(value) for value in values],
            in_table=steps > HISTORY_SHOWN,
        )
    )
    table = Table(f"Training with {choice.entry.name}", _training_columns(trained))
    for number, (loss_before, parameters_after) in enumerate(zip(losses, after, strict=False), start=1):
        values = (solution[parameters_after[parameter]].value for parameter, _ in trained)
        table.rows.append([number, solution[loss_before].value, *values])
    table.footer = [f"loss {format_number(history[0])} → {format_number(history[-1])} after {steps} steps"]
    solution.tables.append(table)


def _update(
    solution: Solution,
    one_pass: OnePass,
    choice: Choice,
    parameter: tuple[str, tuple[int, ...]],
    number: int,
    holding: Mapping[str, str],
    tabled: bool,
    *,
    last: bool,
) -> None:
    """Step ``number`` of one parameter: its gradient from a pass at ``holding``, then the optimizer's steps."""
    name, origin = parameter
    gradient = f"dL/d{name}_t{number}"
    title = f"gradient of {name} at step {number} (a pass at the parameters after step {number - 1})"
    solution.add(one_pass.step(f"dL/d{name}", gradient, title, holding, in_table=tabled, origin=origin))
    quantities = update_steps(
        choice,
        name,
        gradient,
        shown=shown,
        as_operand=operand,
        current=holding[name],
        step_number=number,
        index_origin=origin,
    )
    for step in quantities:
        # The parameters at the end are shown on the sheet as well as in the table.
        step.in_table = tabled and not (last and step.name == f"{name}_new_t{number}")
        solution.add(step)


def _training_columns(trained: Parameters) -> list[Column]:
    return [
        Column("step", numeric=True),
        Column("loss before", numeric=True),
        *(Column(f"{parameter} after") for parameter, _ in trained),
    ]
