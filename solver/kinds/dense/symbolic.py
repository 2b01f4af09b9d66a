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
    solution.given("w", "weight" if count == 1 else "weights", w[0] if count == 1 else w)
    solution.given("b", "bias", sympy.Symbol("b", real=True))
    if examples == 1:
        _neuron_example(solution, act, lossfn, count, "", "")
        _symbolic_updates(solution, given.learning_rate, [("w", "dL/dw"), ("b", "dL/db")])
        return solution
    require_at_most(examples, MAX_SYMBOLIC_EXAMPLES, "examples in symbols", "examples")
    suffixes = [f"_e{e}" for e in range(1, examples + 1)]
    for e, suffix in enumerate(suffixes, start=1):
        _neuron_example(solution, act, lossfn, count, suffix, f", example {e}")
    mean = given.reduction != "sum"
    for name, title_text in REDUCED_OVER_EXAMPLES:
        _reduced_over_examples(solution, name, title_text, suffixes, mean)
    _symbolic_updates(solution, given.learning_rate, [("w", "dL/dw"), ("b", "dL/db")])
    return solution


#: Examples worked in symbols: each adds a chain of steps and terms to every sum.
MAX_SYMBOLIC_EXAMPLES = 10
#: The steps of a batch that reduce the examples' own, with their titles.
REDUCED_OVER_EXAMPLES = (
    ("loss", "loss of the batch"),
    ("dL/dw", "gradient with respect to {w}"),
    ("dL/db", "gradient with respect to {b}"),
)


def _reduced_over_examples(solution: Solution, name: str, title: str, suffixes: list[str], mean: bool) -> None:
    """``name`` as the mean (1/n Σ, as the notes write it) or the sum of the examples' own ``name``."""
    parts = tuple(f"{name}{suffix}" for suffix in suffixes)
    count = len(parts)

    def reduce(*values: Any, mean: bool = mean) -> Any:
        scale = sympy.Rational(1, count) if mean else sympy.Integer(1)
        if any(isinstance(v, list) for v in values):  # a weight vector's gradients, entry by entry
            total = sum((_matrix(v) for v in values[1:]), _matrix(values[0]))
            return _shown((total * scale).applyfunc(sympy.factor_terms))
        return sympy.factor_terms(sympy.Add(*values) * scale)

    symbols = sympy.Add(*(sympy.Symbol(part) for part in parts))
    other = "sum_instead_of_mean" if mean else "mean_instead_of_sum"
    feedback = (
        f"The batch's {name} is the mean over its {count} examples (1/n Σ); you added them up."
        if mean
        else f"The batch's {name} is the sum over its {count} examples; you averaged them."
    )
    solution.add(
        Step(
            name,
            f"{title}, the {'mean' if mean else 'sum'} over the {count} examples",
            deps=parts,
            compute=reduce,
            formula=SympyFormula(sympy.Mul(sympy.Rational(1, count), symbols, evaluate=False) if mean else symbols),
            variants=(Variant(other, feedback, partial(reduce, mean=not mean)),),
        )
    )


def _neuron_example(
    solution: Solution, act: Activation, lossfn: Loss, count: int, suffix: str, title_suffix: str
) -> None:
    """One example's chain: z, a, its loss and the chain rule factor by factor (step names end in ``suffix``)."""
    x = _symbols(f"x{suffix}", count)
    y = sympy.Symbol(f"y{suffix}", real=True)
    z_name, a_name, x_name, y_name = f"z{suffix}", f"a{suffix}", f"x{suffix}", f"y{suffix}"
    z_symbol, a_symbol = sympy.symbols(f"{z_name} {a_name}", real=True)
    solution.given(x_name, ("input" if count == 1 else "inputs") + title_suffix, x[0] if count == 1 else x)
    solution.given(y_name, "target" + title_suffix, y)
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


def solve_mlp(kind: str, given: Any, title: str | None = None) -> Solution:
    lossfn = loss(given.loss or "mse", where="loss")
    widths = [_input_width(given)]
    for i, layer in enumerate(given.layers):
        # Rows of weights written in the file count the units; a weights file is not read in symbolic mode.
        rows = layer.weights if isinstance(layer.weights, list) else None
        units = layer.units if layer.units is not None else len(rows) if rows else None
        if not units or units < 1:
            raise InputError(f"layer {i + 1}: give units (a positive number) in symbolic mode", field=f"layers.{i}")
        widths.append(units)
    solution = Solution(kind, title or f"{'-'.join(map(str, widths))} network with {lossfn.name} loss, in symbols")
    x = _symbols("x", widths[0])
    solution.given("x", "input", _shown(Matrix(x)))
    count = len(given.layers)
    previous, below = "x", None
    folded_flags, activations = [], []
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
        has_bias = not folded and not no_bias
        if has_bias:
            solution.given(f"b{number}", f"biases of layer {number}", _shown(Matrix(_symbols(f"b{number}", units))))
        bias_deps = (f"b{number}",) if has_bias else ()
        z_name = f"z{number}"
        if previous == "x":  # the input is given: read it
            deps, written_in = (f"W{number}", "x", *bias_deps), ()
            compute = partial(_affine, folded=folded)
        else:  # the layer below is written in its own names, a1_1, a1_2, ...
            deps, written_in = (f"W{number}", *bias_deps), (previous,)
            compute = partial(_affine_on, below, folded=folded)
        below_text = f"[1; {{{previous}}}]" if folded else f"{{{previous}}}"
        plus_bias = f" + {{b{number}}}" if has_bias else ""
        solution.add(
            Step(
                z_name,
                f"pre-activation of layer {number}",
                deps=deps,
                compute=compute,
                formula=GroupedTemplate(f"{{W{number}}}·{below_text}{plus_bias}"),
                written_in=written_in,
            )
        )
        last = number == count
        a_name = "y_hat" if last else f"a{number}"
        z_symbols = _symbols(z_name, units)
        below = Matrix(_symbols(a_name, units))
        solution.add(
            Step(
                a_name,
                "output" if last else f"activation of layer {number}",
                compute=lambda act=act, z=z_symbols: _shown(Matrix([act.sympy(s) for s in z])),
                formula=SympyFormula(act.sympy(sympy.Symbol(z_name))),
                written_in=(z_name,),
            )
        )
        previous = a_name
    _symbolic_backward(solution, given, widths, activations, folded_flags, lossfn)
    return solution


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


def _symbolic_backward(
    solution: Solution, given: Any, widths: list[int], activations: list[Activation], folded: list[bool], lossfn: Loss
) -> None:
    count = len(activations)
    y_hat = _symbols("y_hat", widths[-1])
    y = _symbols("y", widths[-1])
    solution.given("y", "target", _shown(Matrix(y)))

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
            "loss",
            f"{lossfn.name} loss",
            deps=("y",),
            compute=loss_of,
            written_in=("y_hat",),
            variants=_loss_variants(lossfn, loss_of, outputs=len(y_hat)),
        )
    )

    def loss_slope(loss_value: Any) -> Any:
        # As the notes write it, before simplifying.
        return _shown(Matrix([sympy.factor_terms(sympy.diff(loss_value, p)) for p in y_hat]))

    solution.add(
        Step(
            "dL/dy_hat",
            "derivative of the loss with respect to the output",
            deps=("loss",),
            compute=loss_slope,
            written_in=("y_hat",),
            variants=_gradient_variants(lossfn, loss_slope, outputs=len(y_hat)),
        )
    )
    top = f"z{count}"
    _slope_step(
        solution, f"dy_hat/d{top}", "derivative of the output activation", activations[-1], top, "y_hat", widths[-1]
    )
    solution.add(
        Step(
            f"delta{count}",
            f"error term of the output layer, {{dL/d{top}}} (simplified)",
            deps=("dL/dy_hat", f"dy_hat/d{top}"),
            compute=lambda g, s: _shown(simplest(_matrix(g).multiply_elementwise(_matrix(s)))),
            formula=SympyFormula(sympy.Symbol("dL/dy_hat") * sympy.Symbol(f"dy_hat/d{top}"))
            if widths[-1] == 1
            else GroupedTemplate(f"{{dL/dy_hat}} ⊙ {{dy_hat/d{top}}}"),
        )
    )
    for number in range(count - 1, 0, -1):
        a_name, z_name = f"a{number}", f"z{number}"
        title = f"derivative of the activation of layer {number}"
        _slope_step(solution, f"d{a_name}/d{z_name}", title, activations[number - 1], z_name, a_name, widths[number])
        above_folded = folded[number]

        def rule(w: Any, d: Any, s: Any, above_folded: bool = above_folded) -> Any:
            back = _matrix(w)[:, 1:] if above_folded else _matrix(w)
            return _shown(simplest((back.T * _matrix(d)).multiply_elementwise(_matrix(s))))

        back = f"{{W{number + 1}}}[:, 1:]ᵀ" if above_folded else f"{{W{number + 1}}}ᵀ"
        solution.add(
            Step(
                f"delta{number}",
                f"error term of layer {number}, {{dL/d{z_name}}}",
                deps=(f"W{number + 1}", f"delta{number + 1}", f"d{a_name}/d{z_name}"),
                compute=rule,
                formula=GroupedTemplate(f"({back}·{{delta{number + 1}}}) ⊙ {{d{a_name}/d{z_name}}}"),
            )
        )
    pairs: list[tuple[str, str]] = []
    for number in range(1, count + 1):
        below = "x" if number == 1 else f"a{number - 1}"
        fold = folded[number - 1]

        def outer(delta: Any, column: Any, fold: bool = fold) -> Any:
            rows = Matrix([1, *_matrix(column)]) if fold else _matrix(column)
            return simplest(_matrix(delta) * rows.T)

        if number == 1:  # the input is given: read it
            deps, written_in, compute = ("delta1", "x"), (), outer
        else:  # the layer below is written in its own names
            named = Matrix(_symbols(below, widths[number - 1]))
            deps, written_in, compute = (f"delta{number}",), (below,), partial(outer, column=named)
        solution.add(
            Step(
                f"dL/dW{number}",
                f"gradient of the weights of layer {number}",
                deps=deps,
                compute=compute,
                formula=GroupedTemplate(f"{{delta{number}}}·" + (f"[1; {{{below}}}]ᵀ" if fold else f"{{{below}}}ᵀ")),
                index_origin=(1, 0) if fold else (),
                written_in=written_in,
            )
        )
        pairs.append((f"W{number}", f"dL/dW{number}"))
        if f"b{number}" in solution:
            solution.add(
                Step(
                    f"dL/db{number}",
                    f"gradient of the biases of layer {number}",
                    deps=(f"delta{number}",),
                    compute=lambda d: d,
                    formula=GroupedTemplate(f"{{delta{number}}}"),
                )
            )
            pairs.append((f"b{number}", f"dL/db{number}"))
    if given.learning_rate is not None:
        _symbolic_updates(solution, given.learning_rate, pairs)
