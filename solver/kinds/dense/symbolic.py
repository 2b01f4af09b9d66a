"""The symbolic mode of kinds ``neuron`` and ``mlp``: the same chain with symbols instead of numbers.

Forward steps compose the expressions (seed 002 (a): L = (ReLU(wx + b) − y)²);
backward steps are written in the forward quantities, as the notes write them
(σ'(z) = a(1 − a)), and SymPy simplifies each product of the chain, which is
how ``dL/db2 = ŷ − y`` appears for a sigmoid output with BCE (seeds 000, 003).

Every compute reads its deps' expressions and nothing else.  A step written in a
forward quantity's name (``a1_1``, ``y_hat``) lists it in ``written_in``, not in
``deps``: its value does not change with that quantity's expression.  A student's
own earlier expression therefore carries forward exactly where the notes compose
(z from w, x and b; the loss from a; each product of the chain), and the classic
slips are declared as variants on the steps where they happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import sympy

from solver.graph.errors import InputError
from solver.graph.steps import Solution, Step, Variant
from solver.graph.symbolic import GroupedTemplate, SympyFormula, simplest
from solver.math.activations import Activation, activation, slope_mistakes
from solver.math.limits import require_at_most
from solver.math.losses import Loss, LossMistake, loss
from solver.math.optimizers import SGD, update_steps
from solver.math.scores import averages_examples, reduction_slip

Matrix = sympy.Matrix


def _shown(m: Any) -> Any:
    """A 1×1 matrix as its entry, a column as a list (shown as a column vector), else the matrix."""
    if not isinstance(m, sympy.MatrixBase):
        return m
    if m.shape == (1, 1):
        return m[0, 0]
    if m.shape[1] == 1:
        return list(m)
    return m


def _matrix(value: Any) -> Any:
    """Back from ``_shown``: entries as a column."""
    if isinstance(value, sympy.MatrixBase):
        return value
    if isinstance(value, list):
        return Matrix(value)
    return Matrix([[value]])


def _symbols(base: str, count: int) -> list[sympy.Symbol]:
    """``x`` for one entry, ``x_1 ... x_n`` for several."""
    if count == 1:
        return [sympy.Symbol(base, real=True)]
    return [sympy.Symbol(f"{base}_{i}", real=True) for i in range(1, count + 1)]


def _entries(value: Any) -> list[Any]:
    """The entries of a given vector (a list, a column) or a scalar, as a list."""
    return list(_matrix(value))


def _scalings(mistakes: tuple[LossMistake, ...], outputs: int) -> list[tuple[LossMistake, Any]]:
    """The loss's slips that only scale the right expression, each with its exact factor for ``outputs`` outputs."""
    return [(m, sympy.Rational(m.scale(outputs))) for m in mistakes if m.scale is not None]


def _loss_variants(lossfn: Loss, compute: Any, outputs: int) -> tuple[Variant, ...]:
    """The loss value's slips that scale it (the ½ of the squared losses)."""
    return tuple(
        Variant(m.name, m.feedback, lambda *v, f=factor: f * compute(*v))
        for m, factor in _scalings(lossfn.value_mistakes, outputs)
    )


def _gradient_variants(lossfn: Loss, compute: Any, outputs: int) -> tuple[Variant, ...]:
    """dL/dŷ's slips that scale it: the 2 of the square, MSE's 1/n, the residual's sign."""
    return tuple(
        Variant(m.name, m.feedback, lambda *v, f=factor: _shown(simplest(_matrix(compute(*v)) * f)))
        for m, factor in _scalings(lossfn.gradient_mistakes, outputs)
    )


def _slope_variants(act: Activation, z: list[sympy.Symbol], a: list[sympy.Symbol]) -> tuple[Variant, ...]:
    """The activation-derivative slips, written in z and a as the right slope is."""
    return tuple(
        Variant(
            m.name,
            m.feedback,
            lambda m=m: _shown(Matrix([m.sympy_slope(sympy, zi, ai) for zi, ai in zip(z, a, strict=True)])),
        )
        for m in slope_mistakes(act)
    )


def _product_step(solution: Solution, name: str, title: str, factors: tuple[str, ...]) -> Any:
    """A chain-rule product of earlier steps, simplified."""
    product = sympy.Mul(*(sympy.Symbol(f) for f in factors), evaluate=False)

    def compute(*values: Any) -> Any:
        scalars = [v for v in values if not isinstance(v, list)]
        vectors = [Matrix(v) for v in values if isinstance(v, list)]
        total = sympy.Mul(*scalars)
        return _shown(simplest(vectors[0] * total)) if vectors else simplest(total)

    return solution.add(Step(name, title, deps=factors, compute=compute, formula=SympyFormula(product)))


def solve_neuron(kind: str, given: Any, title: str | None = None) -> Solution:
    """One neuron in symbols; with ``examples: n`` each example's chain, then the loss and gradients reduced."""
    act, lossfn = activation(given.activation, where="activation"), loss(given.loss or "mse", where="loss")
    count = len(given.w) if isinstance(given.w, list) else len(given.x) if isinstance(given.x, list) else 1
    w = _symbols("w", count)
    examples = given.examples or 1
    on = f" on {examples} examples" if examples > 1 else ""
    solution = Solution(kind, title or f"One {act.name} neuron with {lossfn.name} loss{on}, in symbols")
    each = _examples(examples)
    solution.given("w", "weight" if count == 1 else "weights", w[0] if count == 1 else w)
    for suffix, title_suffix in each:
        x = _symbols(f"x{suffix}", count)
        solution.given(f"x{suffix}", ("input" if count == 1 else "inputs") + title_suffix, x[0] if count == 1 else x)
    solution.given("b", "bias", sympy.Symbol("b", real=True))
    for suffix, title_suffix in each:
        solution.given(f"y{suffix}", "target" + title_suffix, sympy.Symbol(f"y{suffix}", real=True))
    for suffix, title_suffix in each:
        _neuron_example(solution, act, lossfn, suffix, title_suffix)
    if examples > 1:
        for name, title_text in REDUCED_OVER_EXAMPLES:
            _reduced_over_examples(solution, name, title_text, each, given.reduction == "mean")
    _symbolic_updates(solution, given.learning_rate, [("w", "dL/dw"), ("b", "dL/db")])
    return solution


def _examples(count: int) -> list[tuple[str, str]]:
    """Each example's step-name suffix and title suffix: none for one example, ``_e1``, ``, example 1`` ... else."""
    require_at_most(count, MAX_SYMBOLIC_EXAMPLES, "examples in symbols", "examples")
    if count == 1:
        return [("", "")]
    return [(f"_e{e}", f", example {e}") for e in range(1, count + 1)]


#: Examples worked in symbols: each adds a chain of steps and terms to every sum.
MAX_SYMBOLIC_EXAMPLES = 10
#: The steps of a batch that reduce the examples' own, with their titles.
REDUCED_OVER_EXAMPLES = (
    ("loss", "loss of the batch"),
    ("dL/dw", "gradient with respect to {w}"),
    ("dL/db", "gradient with respect to {b}"),
)


def _reduced_over_examples(solution: Solution, name: str, title: str, each: list[tuple[str, str]], mean: bool) -> None:
    """``name`` as the mean (1/n Σ, as the notes write it) or the sum of the examples' own ``name``."""
    parts = tuple(f"{name}{suffix}" for suffix, _ in each)
    count = len(parts)

    def reduce(*values: Any, mean: bool = mean) -> Any:
        scale = sympy.Rational(1, count) if mean else sympy.Integer(1)
        if any(isinstance(v, list | sympy.MatrixBase) for v in values):  # gradients of vectors, entry by entry
            total = sum((_matrix(v) for v in values[1:]), _matrix(values[0]))
            return _shown((total * scale).applyfunc(sympy.factor_terms))
        return sympy.factor_terms(sympy.Add(*values) * scale)

    symbols = sympy.Add(*(sympy.Symbol(part) for part in parts))
    solution.add(
        Step(
            name,
            f"{title}, the {'mean' if mean else 'sum'} over the {count} examples",
            deps=parts,
            compute=reduce,
            formula=SympyFormula(sympy.Mul(sympy.Rational(1, count), symbols, evaluate=False) if mean else symbols),
            variants=(reduction_slip(mean, reduce, f"The batch's {name}"),),
        )
    )


def _neuron_example(solution: Solution, act: Activation, lossfn: Loss, suffix: str, title_suffix: str) -> None:
    """One example's chain: z, a, its loss and the chain rule factor by factor (step names end in ``suffix``)."""
    z_name, a_name, x_name, y_name = f"z{suffix}", f"a{suffix}", f"x{suffix}", f"y{suffix}"
    z_symbol, a_symbol = sympy.symbols(f"{z_name} {a_name}", real=True)
    solution.add(
        Step(
            z_name,
            "weighted sum" + title_suffix,
            deps=("w", x_name, "b"),
            compute=lambda wv, xv, bv: (
                sum((wi * xi for wi, xi in zip(_entries(wv), _entries(xv), strict=True)), sympy.Integer(0)) + bv
            ),
            formula=GroupedTemplate(f"{{w}}·{{{x_name}}} + {{b}}"),
        )
    )
    solution.add(
        Step(
            a_name,
            f"activation ({act.name}){title_suffix}",
            deps=(z_name,),
            compute=act.sympy,
            formula=SympyFormula(act.sympy(z_symbol)),
        )
    )
    solution.add(
        Step(
            f"loss{suffix}",
            f"{lossfn.name} loss in terms of {{w}}, {{b}} and {{{x_name}}}",
            deps=(a_name, y_name),
            compute=lossfn.sympy,
            formula=SympyFormula(lossfn.sympy(a_symbol, sympy.Symbol(y_name, real=True))),
            variants=_loss_variants(lossfn, lossfn.sympy, outputs=1),
        )
    )

    def loss_slope(yv: Any) -> Any:
        return sympy.factor_terms(sympy.diff(lossfn.sympy(a_symbol, yv), a_symbol))

    solution.add(
        Step(
            f"dL/da{suffix}",
            f"derivative of the loss with respect to {{{a_name}}}",
            deps=(y_name,),
            compute=loss_slope,
            written_in=(a_name,),
            variants=_gradient_variants(lossfn, loss_slope, outputs=1),
        )
    )
    solution.add(
        Step(
            f"da/dz{suffix}",
            "derivative of the activation" + title_suffix,
            compute=lambda: act.sympy_derivative(z_symbol, a_symbol),
            written_in=(z_name, a_name),
            note=act.symbolic_note,
            variants=_slope_variants(act, [z_symbol], [a_symbol]),
        )
    )
    solution.add(
        Step(
            f"dz/dw{suffix}",
            f"derivative of {{{z_name}}} with respect to {{w}}",
            deps=(x_name,),
            compute=lambda xv: xv,
            formula=GroupedTemplate(f"{{{x_name}}}"),
        )
    )
    solution.add(
        Step(f"dz/db{suffix}", f"derivative of {{{z_name}}} with respect to {{b}}", compute=lambda: sympy.Integer(1))
    )
    for parameter in ("w", "b"):
        factors = (f"dL/da{suffix}", f"da/dz{suffix}", f"dz/d{parameter}{suffix}")
        title = f"gradient with respect to {{{parameter}}} (chain rule){title_suffix}"
        _product_step(solution, f"dL/d{parameter}{suffix}", title, factors)


def _symbolic_updates(solution: Solution, rate: float | None, pairs: list[tuple[str, str]]) -> None:
    """θ_new = θ − η ∂L/∂θ with η a symbol (or the given number)."""
    eta = sympy.Symbol("eta", positive=True) if rate is None else sympy.nsimplify(rate)
    solution.given("eta", "learning rate η", eta)
    for parameter, gradient in pairs:
        for step in update_steps(SGD, parameter, gradient, shown=_shown, as_operand=_matrix, template=GroupedTemplate):
            solution.add(step)


@dataclass(frozen=True)
class _Network:
    """What every example of a symbolic network shares: its widths, activations, biases and loss."""

    widths: list[int]
    activations: list[Activation]
    folded: list[bool]
    biased: list[bool]
    lossfn: Loss


def solve_mlp(kind: str, given: Any, title: str | None = None) -> Solution:
    """A network in symbols; with ``examples: n`` each example's chain, then the loss and gradients reduced."""
    lossfn = loss(given.loss or "mse", where="loss")
    widths = [_input_width(given)]
    for i, layer in enumerate(given.layers):
        # Rows of weights written in the file count the units; a weights file is not read in symbolic mode.
        rows = layer.weights if isinstance(layer.weights, list) else None
        units = layer.units if layer.units is not None else len(rows) if rows else None
        if not units or units < 1:
            raise InputError(f"layer {i + 1}: give units (a positive number) in symbolic mode", field=f"layers.{i}")
        widths.append(units)
    examples = given.examples or 1
    on = f" on {examples} examples" if examples > 1 else ""
    shape = "-".join(map(str, widths))
    solution = Solution(kind, title or f"{shape} network with {lossfn.name} loss{on}, in symbols")
    each = _examples(examples)
    for suffix, title_suffix in each:
        solution.given(f"x{suffix}", "input" + title_suffix, _shown(Matrix(_symbols(f"x{suffix}", widths[0]))))
    network = _shared_parameters(solution, given, widths, lossfn)
    for suffix, title_suffix in each:
        _symbolic_forward(solution, network, suffix, title_suffix)
        _symbolic_backward(solution, network, suffix, title_suffix)
    reduced = [("loss", "loss of the batch")]
    pairs: list[tuple[str, str]] = []
    for number, biased in enumerate(network.biased, start=1):
        reduced.append((f"dL/dW{number}", f"gradient of the weights of layer {number}"))
        pairs.append((f"W{number}", f"dL/dW{number}"))
        if biased:
            reduced.append((f"dL/db{number}", f"gradient of the biases of layer {number}"))
            pairs.append((f"b{number}", f"dL/db{number}"))
    if examples > 1:
        for name, title_text in reduced:
            _reduced_over_examples(solution, name, title_text, each, averages_examples(given))
    if given.learning_rate is not None:
        _symbolic_updates(solution, given.learning_rate, pairs)
    return solution


def _shared_parameters(solution: Solution, given: Any, widths: list[int], lossfn: Loss) -> _Network:
    """Each layer's weights and biases as symbols (W1_11, b1_1, ...), and what the examples share."""
    folded_flags, biased_flags, activations = [], [], []
    for number, layer in enumerate(given.layers, start=1):
        act = activation(layer.activation, where=f"layers.{number - 1}.activation")
        act.sympy(sympy.Symbol("z"), f"layers.{number - 1}.activation")  # refuses those without a SymPy form
        activations.append(act)
        folded = isinstance(layer.bias, str) and layer.bias.strip().lower() == "folded"
        no_bias = isinstance(layer.bias, str) and not folded
        folded_flags.append(folded)
        units, inputs = widths[number], widths[number - 1]
        columns = range(0 if folded else 1, inputs + 1)
        weights = Matrix([[sympy.Symbol(f"W{number}_{i}{j}", real=True) for j in columns] for i in range(1, units + 1)])
        solution.given(f"W{number}", f"weights of layer {number}", weights, index_origin=(1, 0) if folded else ())
        biased_flags.append(not folded and not no_bias)
        if biased_flags[-1]:
            solution.given(f"b{number}", f"biases of layer {number}", _shown(Matrix(_symbols(f"b{number}", units))))
    return _Network(widths, activations, folded_flags, biased_flags, lossfn)


def _symbolic_forward(solution: Solution, network: _Network, suffix: str, title_suffix: str) -> None:
    """z1, a1, ..., y_hat of one example (names end in ``suffix``), each layer written in the names below."""
    count = len(network.activations)
    previous, below = f"x{suffix}", None
    for number, act in enumerate(network.activations, start=1):
        folded, units = network.folded[number - 1], network.widths[number]
        bias_deps = (f"b{number}",) if network.biased[number - 1] else ()
        z_name = f"z{number}{suffix}"
        if below is None:  # the input is given: read it
            deps, written_in = (f"W{number}", previous, *bias_deps), ()
            compute = partial(_affine, folded=folded)
        else:  # the layer below is written in its own names, a1_1, a1_2, ...
            deps, written_in = (f"W{number}", *bias_deps), (previous,)
            compute = partial(_affine_on, below, folded=folded)
        below_text = f"[1; {{{previous}}}]" if folded else f"{{{previous}}}"
        plus_bias = f" + {{b{number}}}" if bias_deps else ""
        solution.add(
            Step(
                z_name,
                f"pre-activation of layer {number}{title_suffix}",
                deps=deps,
                compute=compute,
                formula=GroupedTemplate(f"{{W{number}}}·{below_text}{plus_bias}"),
                written_in=written_in,
            )
        )
        last = number == count
        a_name = ("y_hat" if last else f"a{number}") + suffix
        z_symbols = _symbols(z_name, units)
        below = Matrix(_symbols(a_name, units))
        solution.add(
            Step(
                a_name,
                ("output" if last else f"activation of layer {number}") + title_suffix,
                compute=lambda act=act, z=z_symbols: _shown(Matrix([act.sympy(s) for s in z])),
                formula=SympyFormula(act.sympy(sympy.Symbol(z_name))),
                written_in=(z_name,),
            )
        )
        previous = a_name


def _affine(weights: Any, below: Any, bias: Any = None, *, folded: bool = False) -> Any:
    """W·a (+ b), or W·[1; a] with the bias folded into column 0 of W."""
    column = _matrix(below)
    z = _matrix(weights) * (Matrix([1, *column]) if folded else column)
    return _shown(z if bias is None else z + _matrix(bias))


def _affine_on(below: Any, weights: Any, bias: Any = None, *, folded: bool = False) -> Any:
    """``_affine`` on a layer below written in its names (not a value read from a step)."""
    return _affine(weights, below, bias, folded=folded)


def _slope_step(
    solution: Solution, name: str, title: str, act: Activation, z_name: str, a_name: str, width: int
) -> None:
    """f'(z) entry by entry, written in z and a as the notes write it (σ' = a(1 − a)): a rule, reading no value."""
    z, a = _symbols(z_name, width), _symbols(a_name, width)
    solution.add(
        Step(
            name,
            title,
            compute=lambda: _shown(Matrix([act.sympy_derivative(zi, ai) for zi, ai in zip(z, a, strict=True)])),
            written_in=(z_name, a_name),
            variants=_slope_variants(act, z, a),
        )
    )


def _input_width(given: Any) -> int:
    if given.inputs is not None:
        if given.inputs < 1:
            raise InputError("inputs must be a positive number", field="inputs")
        return given.inputs
    if isinstance(given.x, list):
        return len(given.x)
    return 1 if given.x is not None else 2


def _symbolic_backward(solution: Solution, network: _Network, suffix: str, title_suffix: str) -> None:
    """One example's loss, dL/dŷ, the error terms and the gradients of every layer (names end in ``suffix``)."""
    widths, activations, folded, lossfn = network.widths, network.activations, network.folded, network.lossfn
    count = len(activations)
    y_hat_name, y_name, loss_name, gradient = f"y_hat{suffix}", f"y{suffix}", f"loss{suffix}", f"dL/dy_hat{suffix}"
    y_hat = _symbols(y_hat_name, widths[-1])
    y = _symbols(y_name, widths[-1])
    solution.given(y_name, "target" + title_suffix, _shown(Matrix(y)))

    def loss_of(targets: Any) -> Any:
        entries = _entries(targets)
        total = sum(
            (lossfn.sympy(p, t, len(entries)) for p, t in zip(y_hat, entries, strict=True)),
            sympy.Integer(0),
        )
        # A mean's 1/n taken out of the sum, as the notes write it: ((ŷ₁ − y₁)² + (ŷ₂ − y₂)²)/2.
        return sympy.factor_terms(total)

    solution.add(
        Step(
            loss_name,
            f"{lossfn.name} loss{title_suffix}",
            deps=(y_name,),
            compute=loss_of,
            written_in=(y_hat_name,),
            variants=_loss_variants(lossfn, loss_of, outputs=len(y_hat)),
        )
    )

    def loss_slope(loss_value: Any) -> Any:
        # As the notes write it, before simplifying.
        return _shown(Matrix([sympy.factor_terms(sympy.diff(loss_value, p)) for p in y_hat]))

    solution.add(
        Step(
            gradient,
            "derivative of the loss with respect to the output" + title_suffix,
            deps=(loss_name,),
            compute=loss_slope,
            written_in=(y_hat_name,),
            variants=_gradient_variants(lossfn, loss_slope, outputs=len(y_hat)),
        )
    )
    top, slope = f"z{count}{suffix}", f"dy_hat/dz{count}{suffix}"
    _slope_step(
        solution, slope, "derivative of the output activation" + title_suffix, activations[-1], top, y_hat_name,
        widths[-1],
    )  # fmt: skip
    solution.add(
        Step(
            f"delta{count}{suffix}",
            f"error term of the output layer, {{dL/d{top}}} (simplified)",
            deps=(gradient, slope),
            compute=lambda g, s: _shown(simplest(_matrix(g).multiply_elementwise(_matrix(s)))),
            formula=SympyFormula(sympy.Symbol(gradient) * sympy.Symbol(slope))
            if widths[-1] == 1
            else GroupedTemplate(f"{{{gradient}}} ⊙ {{{slope}}}"),
        )
    )
    for number in range(count - 1, 0, -1):
        a_name, z_name = f"a{number}{suffix}", f"z{number}{suffix}"
        slope = f"da{number}/dz{number}{suffix}"
        title = f"derivative of the activation of layer {number}{title_suffix}"
        _slope_step(solution, slope, title, activations[number - 1], z_name, a_name, widths[number])
        above_folded = folded[number]

        def rule(w: Any, d: Any, s: Any, above_folded: bool = above_folded) -> Any:
            back = _matrix(w)[:, 1:] if above_folded else _matrix(w)
            return _shown(simplest((back.T * _matrix(d)).multiply_elementwise(_matrix(s))))

        back = f"{{W{number + 1}}}[:, 1:]ᵀ" if above_folded else f"{{W{number + 1}}}ᵀ"
        above = f"delta{number + 1}{suffix}"
        solution.add(
            Step(
                f"delta{number}{suffix}",
                f"error term of layer {number}, {{dL/d{z_name}}}",
                deps=(f"W{number + 1}", above, slope),
                compute=rule,
                formula=GroupedTemplate(f"({back}·{{{above}}}) ⊙ {{{slope}}}"),
            )
        )
    for number in range(1, count + 1):
        _parameter_gradients(solution, network, number, suffix, title_suffix)


def _parameter_gradients(solution: Solution, network: _Network, number: int, suffix: str, title_suffix: str) -> None:
    """dL/dW = δ·(a below)ᵀ and dL/db = δ of layer ``number`` for one example."""
    below = f"x{suffix}" if number == 1 else f"a{number - 1}{suffix}"
    delta = f"delta{number}{suffix}"
    fold = network.folded[number - 1]

    def outer(delta_value: Any, column: Any, fold: bool = fold) -> Any:
        rows = Matrix([1, *_matrix(column)]) if fold else _matrix(column)
        return simplest(_matrix(delta_value) * rows.T)

    if number == 1:  # the input is given: read it
        deps, written_in, compute = (delta, below), (), outer
    else:  # the layer below is written in its own names
        named = Matrix(_symbols(below, network.widths[number - 1]))
        deps, written_in, compute = (delta,), (below,), partial(outer, column=named)
    solution.add(
        Step(
            f"dL/dW{number}{suffix}",
            f"gradient of the weights of layer {number}{title_suffix}",
            deps=deps,
            compute=compute,
            formula=GroupedTemplate(f"{{{delta}}}·" + (f"[1; {{{below}}}]ᵀ" if fold else f"{{{below}}}ᵀ")),
            index_origin=(1, 0) if fold else (),
            written_in=written_in,
        )
    )
    if network.biased[number - 1]:
        solution.add(
            Step(
                f"dL/db{number}{suffix}",
                f"gradient of the biases of layer {number}{title_suffix}",
                deps=(delta,),
                compute=lambda d: d,
                formula=GroupedTemplate(f"{{{delta}}}"),
            )
        )
