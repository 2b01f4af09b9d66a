"""Kind ``rnn``: a vanilla RNN's forward pass and backpropagation through time, path by path.

Forward: h_t = f(x_t W_x + h_{t-1} W_h + b_h) (row convention, seed 002) or
f(W_x x_t + W_h h_{t-1} + b_h) (column convention, seed 003), then
y_hat = g(h_T W_y + b_y) (many-to-one) or one y_hat_t per step (``outputs:
every_step``, loss averaged over the steps).

Backward, as the notes write it: dL/dh_T from the output, the Jacobians
dh_t/dh_{t-1} and their products dh_T/dh_t (norms, vanishing / exploding),
dL/dh_t along each path, then dL/dW_x and dL/dW_h as the sum over t of the
path terms ``dL/dh_t · dh_t/dW``, each shown.  Gradient vectors are chained
left to right as the notes chain derivatives (dL/dh_{t-1} = dL/dh_t · dh_t/dh_{t-1}).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from solver import bptt
from solver.kinds import GIVEN_CONFIG
from solver.losses import loss as loss_function
from solver.rnn_network import Network, read_network
from solver.rnn_text import (
    apply_text,
    formula,
    hole,
    loss_gradient_text,
    loss_text,
    outer_text,
    output_slope_text,
    slope_text,
    through_text,
    times_text,
)
from solver.steps import Noted, Solution, Step, Variant
from solver.tables import SummaryTable

KIND = "rnn"

Matrix = float | list[float] | list[list[float]]

LAST_STEP_ONLY = "bptt_last_step_only"
LAST_STEP_ONLY_FEEDBACK = (
    "Only the path through the last time step was kept; BPTT adds the paths through every earlier step, "
    "because the same weights are used at each step."
)


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    W_x: Matrix
    """Input weights: inputs × hidden in the row convention, hidden × inputs in the column convention."""
    W_h: Matrix
    """Recurrent weights, hidden × hidden."""
    W_y: Matrix
    """Output weights: hidden × outputs (row) or outputs × hidden (column); a flat list is one output."""
    y: float | list[float | list[float]]
    """Target: one value or vector (many-to-one), or one per time step (outputs: every_step)."""
    x: list[float | list[float]] | None = None
    """The input sequence, one number or vector per time step."""
    words: list[str] | str | None = None
    """The input sequence as words, one-hot encoded from `vocabulary` (instead of x)."""
    vocabulary: list[str] | None = None
    """The words of the one-hot encoding, in order: word i is the unit vector e_i."""
    convention: Literal["row", "column"] = "row"
    """row: h_t = f(x_t W_x + h_{t-1} W_h + b_h) (seed 002); column: f(W_x x_t + W_h h_{t-1} + b_h) (seed 003)."""
    activation: str = "tanh"
    """Hidden activation f: tanh, relu or sigmoid."""
    output: str = "linear"
    """Output activation g: linear, sigmoid or softmax."""
    outputs: Literal["last", "every_step"] = "last"
    """last: many-to-one; every_step: an output per step, loss averaged over the steps."""
    loss: str = "mse"
    """Loss per output: mse, bce, cross_entropy, ... (see the dense kinds)."""
    b_h: float | list[float] | None = None
    """Hidden bias (none if left out)."""
    b_y: float | list[float] | None = None
    """Output bias (none if left out)."""
    h0: float | list[float] | None = None
    """Initial hidden state (zero if left out)."""
    learning_rate: float | None = None
    """With a learning rate, one gradient-descent update W_new = W − η dL/dW follows."""


class _Builder:
    """Adds steps whose values are NumPy arrays inside and plain numbers in a one-unit network.

    Each compute reshapes its inputs to the shapes the steps had when first
    computed, so that a grader may put in a student's plain number or list.
    """

    def __init__(self, solution: Solution, scalar: bool):
        self.solution = solution
        self.scalar = scalar
        self.shapes: dict[str, tuple[int, ...]] = {}

    def present(self, value: np.ndarray) -> Any:
        """A plain number for a one-entry vector (ŷ of one output), or anything in a one-unit network."""
        return float(value.reshape(-1)[0]) if self.scalar or (value.size == 1 and value.ndim <= 1) else value

    def given(self, name: str, title: str, value: np.ndarray) -> None:
        self.shapes[name] = value.shape
        self.solution.given(name, title, self.present(value))

    def numeric(self, name: str, deps: tuple[str, ...], fn: Callable[..., Any]) -> Callable[..., Any]:
        def compute(*values: Any) -> Any:
            arrays = [np.asarray(v, dtype=float).reshape(self.shapes[d]) for d, v in zip(deps, values, strict=True)]
            result = fn(*arrays)
            noted = result if isinstance(result, Noted) else Noted(result, None)
            array = np.asarray(noted.value, dtype=float)
            self.shapes.setdefault(name, array.shape)
            return Noted(self.present(array), noted.note) if noted.note else self.present(array)

        return compute

    def add(
        self,
        name: str,
        title: str,
        deps: tuple[str, ...],
        fn: Callable[..., Any],
        text: str,
        *,
        detail: list[str] | None = None,
        variant: tuple[tuple[str, ...], Callable[..., Any]] | None = None,
    ) -> None:
        variants = ()
        if variant:
            variant_deps, variant_fn = variant
            variants = (
                Variant(
                    LAST_STEP_ONLY, LAST_STEP_ONLY_FEEDBACK, self.numeric(name, variant_deps, variant_fn), variant_deps
                ),
            )
        self.solution.add(
            Step(
                name,
                title,
                deps=deps,
                compute=self.numeric(name, deps, fn),
                formula=formula(text),
                detail=detail or [],
                variants=variants,
            )
        )


def _norm_note(matrix: np.ndarray, distance: int | None) -> Noted:
    """The norm of a Jacobian; for dh_T/dh_t (``distance`` = T − t) whether it vanishes or explodes."""
    norm = bptt.spectral_norm(matrix)
    note = f"‖·‖₂ = {norm:.4g}"
    kind = bptt.regime(norm) if distance else None
    if kind == "vanishing":
        note += f" < {bptt.VANISHING_BELOW:g}: vanishing gradient, the path {distance} step(s) back contributes ≈ 0"
    elif kind == "exploding":
        note += f" > {bptt.EXPLODING_ABOVE:g}: exploding gradient over {distance} step(s)"
    return Noted(matrix, note)


def solve(given: Given, title: str | None = None) -> Solution:
    net = read_network(given)
    T, c = net.steps, net.convention
    mode = "many-to-many" if net.every_step else "many-to-one"
    solution = Solution(KIND, title or f"RNN over {T} time steps ({mode}, {c} convention): forward pass and BPTT")
    b = _Builder(solution, net.scalar)
    _givens(b, net)
    _forward(b, net, given.loss)
    _backward(b, net, given.loss)
    if given.learning_rate is not None:
        _update(b, net, given.learning_rate)
    solution.extra["jacobian_norms"] = {
        f"dh{T}/dh{t}": bptt.spectral_norm(np.asarray(solution[f"dh{T}/dh{t}"].value)) for t in range(T - 1, 0, -1)
    }
    solution.tables.append(_norm_table(solution, T))
    return solution


def _givens(b: _Builder, net: Network) -> None:
    for t, x in enumerate(net.inputs, start=1):
        word = f" ({net.words[t - 1]!r}, one-hot)" if net.words else ""
        b.given(f"x{t}", f"input at step {t}{word}", x)
    b.given("h0", "initial hidden state" + (" (zero)" if net.h0 is None else ""), _zeros_or(net.h0, net.hidden_size))
    sizes = {
        "W_x": "input → hidden",
        "W_h": "hidden → hidden",
        "W_y": "hidden → output",
    }
    for name, what in sizes.items():
        b.given(name, f"weights {what}", getattr(net, name))
    for name, bias in (("b_h", net.b_h), ("b_y", net.b_y)):
        if bias is not None:
            b.given(name, "hidden bias" if name == "b_h" else "output bias", bias)
    for t, target in enumerate(net.targets, start=1):
        b.given(f"y{t}" if net.every_step else "y", f"target at step {t}" if net.every_step else "target", target)


def _zeros_or(vector: np.ndarray | None, size: int) -> np.ndarray:
    return np.zeros(size) if vector is None else vector


def _bias(b: _Builder, name: str) -> tuple[tuple[str, ...], str]:
    return ((name,), f" + {hole(name)}") if name in b.solution else ((), "")


def _forward(b: _Builder, net: Network, loss_name: str) -> None:
    c, f, T = net.convention, net.activation, net.steps
    bias_h, bias_h_text = _bias(b, "b_h")
    for t in range(1, T + 1):
        deps = (f"x{t}", f"h{t - 1}", "W_x", "W_h", *bias_h)
        inner = f"{times_text('W_x', f'x{t}', c)} + {times_text('W_h', f'h{t - 1}', c)}{bias_h_text}"
        b.add(
            f"h{t}",
            f"hidden state at step {t}",
            deps,
            lambda x, h, W_x, W_h, *bias: bptt.hidden_update(f, x, h, W_x, W_h, bias[0] if bias else 0.0, c),
            apply_text(f, inner),
        )
    bias_y, bias_y_text = _bias(b, "b_y")
    loss = loss_function(loss_name)
    for t, y_hat, _ in _outputs(net):
        b.add(
            y_hat,
            f"prediction at step {t}" if net.every_step else "prediction",
            (f"h{t}", "W_y", *bias_y),
            lambda h, W_y, *bias: bptt.output(net.output, h, W_y, bias[0] if bias else 0.0, c),
            apply_text(net.output, times_text("W_y", f"h{t}", c) + bias_y_text),
        )
    pairs = [(y_hat, y) for _, y_hat, y in _outputs(net)]
    names = tuple(n for pair in pairs for n in pair)
    text = " + ".join(loss_text(loss.name, y_hat, y) for y_hat, y in pairs)
    b.add(
        "loss",
        f"loss ({loss.name}" + (", averaged over the steps)" if net.every_step else ")"),
        names,
        lambda *v: sum(loss.value(v[i], v[i + 1]) for i in range(0, len(v), 2)) / len(pairs),
        f"(1/{T})·[{text}]" if net.every_step else text,
    )


def _outputs(net: Network) -> list[tuple[int, str, str]]:
    """(step, prediction name, target name) for each output."""
    if net.every_step:
        return [(t, f"y_hat{t}", f"y{t}") for t in range(1, net.steps + 1)]
    return [(net.steps, "y_hat", "y")]


def _backward(b: _Builder, net: Network, loss_name: str) -> None:
    c, f, T, scalar = net.convention, net.activation, net.steps, net.scalar
    loss = loss_function(loss_name)
    share = 1 / len(_outputs(net))
    from_output: dict[int, str] = {}  # step -> dL/dz_y at that step
    for t, y_hat, y in _outputs(net):
        suffix = str(t) if net.every_step else ""
        grad, local = f"dL/dy_hat{suffix}", f"dL/dz_y{suffix}"
        text = loss_gradient_text(loss.name, y_hat, y, net.output_size)
        b.add(
            grad,
            f"loss gradient at the prediction{f' of step {t}' if net.every_step else ''}",
            (y_hat, y),
            lambda p, target: share * loss.gradient(p, target),
            f"(1/{T})·({text})" if net.every_step else text,
        )
        b.add(
            local,
            "gradient at the output pre-activation z_y" + (f" of step {t}" if net.every_step else ""),
            (grad, y_hat),
            lambda g, p: g @ bptt.output_jacobian(net.output, p),
            output_slope_text(net.output, grad, y_hat, scalar),
        )
        from_output[t] = local
    _output_weights(b, net, from_output)
    _jacobians(b, net)
    _hidden_gradients(b, net, from_output)
    for weights, used_with in (("W_h", "h{}"), ("W_x", "x{}")):
        paths = []
        for t in range(T, 0, -1):
            name = f"dL/d{weights}_path{t}"
            previous = used_with.format(t - 1 if weights == "W_h" else t)
            b.add(
                name,
                f"{weights} path through step {t}" + (" (the last step)" if t == T else f" ({T - t} step(s) back)"),
                (f"dL/dh{t}", f"h{t}", previous),
                lambda g, h, v: bptt.weight_term(g * bptt.slope_from_output(f, h), v, c),
                outer_text(
                    f"{hole(f'dL/dh{t}')}{'·' if scalar else ' ⊙ '}{slope_text(f, f'h{t}', scalar)}",
                    previous,
                    c,
                    scalar,
                ),
                detail=[_path_chain(net, t, weights)],
            )
            paths.append(name)
        b.add(
            f"dL/d{weights}",
            f"gradient of {weights}: the sum of its {T} path(s)",
            tuple(paths),
            lambda *terms: sum(terms),
            " + ".join(hole(p) for p in paths),
            variant=((paths[0],), lambda last: last),
        )
    if "b_h" in b.solution:
        deps = tuple(n for t in range(T, 0, -1) for n in (f"dL/dh{t}", f"h{t}"))
        product = "·" if scalar else " ⊙ "
        b.add(
            "dL/db_h",
            f"gradient of b_h: the sum of its {T} path(s)",
            deps,
            lambda *v: sum(v[i] * bptt.slope_from_output(f, v[i + 1]) for i in range(0, len(v), 2)),
            " + ".join(f"{hole(f'dL/dh{t}')}{product}{slope_text(f, f'h{t}', scalar)}" for t in range(T, 0, -1)),
            variant=((f"dL/dh{T}", f"h{T}"), lambda g, h: g * bptt.slope_from_output(f, h)),
        )


def _path_chain(net: Network, t: int, weights: str) -> str:
    """The path as the notes write it: ∂L/∂ŷ · ∂ŷ/∂h_T · ∂h_T/∂h_{T-1} ⋯ ∂h_t/∂W."""
    T = net.steps
    if net.every_step:
        head = f"Σ_(s ≥ {t}) ∂L/∂ŷ_s · ∂ŷ_s/∂h_s · ∂h_s/∂h{t}"
        return f"path: {head} · ∂h{t}/∂{weights}"
    links = [f"∂h{k}/∂h{k - 1}" for k in range(T, t, -1)]
    return "path: " + " · ".join(["∂L/∂ŷ", f"∂ŷ/∂h{T}", *links, f"∂h{t}/∂{weights}"])


def _output_weights(b: _Builder, net: Network, from_output: dict[int, str]) -> None:
    c, scalar = net.convention, net.scalar
    pairs = [(from_output[t], f"h{t}") for t in from_output]
    deps = tuple(n for pair in pairs for n in pair)
    b.add(
        "dL/dW_y",
        "gradient of W_y" + (", summed over the steps" if len(pairs) > 1 else ""),
        deps,
        lambda *v: sum(bptt.weight_term(v[i], v[i + 1], c) for i in range(0, len(v), 2)),
        " + ".join(outer_text(hole(local), h, c, scalar) for local, h in pairs),
    )
    if "b_y" in b.solution:
        b.add(
            "dL/db_y",
            "gradient of b_y" + (", summed over the steps" if len(pairs) > 1 else ""),
            tuple(local for local, _ in pairs),
            lambda *v: sum(v),
            " + ".join(hole(local) for local, _ in pairs),
        )


def _jacobians(b: _Builder, net: Network) -> None:
    """dh_t/dh_{t-1} for each step, then the products dh_T/dh_t for each distance T − t."""
    c, f, T, scalar = net.convention, net.activation, net.steps, net.scalar
    for t in range(T, 1, -1):
        slope = slope_text(f, f"h{t}", scalar)
        b.add(
            f"dh{t}/dh{t - 1}",
            f"Jacobian of step {t} with respect to step {t - 1}",
            (f"h{t}", "W_h"),
            lambda h, W_h, t=t: _norm_note(bptt.step_jacobian(f, h, W_h, c), 1 if t == T else None),
            (slope if scalar else f"diag{slope if slope.startswith('(') else f'({slope})'}")
            + "·"
            + through_text("W_h", c, scalar),
        )
    for t in range(T - 2, 0, -1):
        b.add(
            f"dh{T}/dh{t}",
            f"Jacobian product over {T - t} steps",
            (f"dh{T}/dh{t + 1}", f"dh{t + 1}/dh{t}"),
            lambda far, near, t=t: _norm_note(far @ near, T - t),
            f"{hole(f'dh{T}/dh{t + 1}')}·{hole(f'dh{t + 1}/dh{t}')}",
        )


def _hidden_gradients(b: _Builder, net: Network, from_output: dict[int, str]) -> None:
    """dL/dh_t: many-to-one along the product dh_T/dh_t; many-to-many step by step."""
    c, T = net.convention, net.steps
    last = from_output[T]
    b.add(
        f"dL/dh{T}",
        f"loss gradient at h{T}",
        (last, "W_y"),
        lambda g, W_y: g @ bptt.through(W_y, c),
        f"{hole(last)}·{through_text('W_y', c, net.scalar)}",
    )
    for t in range(T - 1, 0, -1):
        if net.every_step:
            deps = (from_output[t], "W_y", f"dL/dh{t + 1}", f"dh{t + 1}/dh{t}")
            b.add(
                f"dL/dh{t}",
                f"loss gradient at h{t}: from y_hat{t} and from h{t + 1}",
                deps,
                lambda g, W_y, later, J: g @ bptt.through(W_y, c) + later @ J,
                f"{hole(from_output[t])}·{through_text('W_y', c, net.scalar)} + "
                f"{hole(f'dL/dh{t + 1}')}·{hole(f'dh{t + 1}/dh{t}')}",
            )
        else:
            b.add(
                f"dL/dh{t}",
                f"loss gradient at h{t}, along the path of {T - t} step(s)",
                (f"dL/dh{T}", f"dh{T}/dh{t}"),
                lambda g, J: g @ J,
                f"{hole(f'dL/dh{T}')}·{hole(f'dh{T}/dh{t}')}",
            )


def _update(b: _Builder, net: Network, rate: float) -> None:
    for name in ("W_x", "W_h", "W_y", "b_h", "b_y"):
        if name in b.solution:
            b.add(
                f"{name}_new",
                f"{name} after one step of gradient descent (η = {rate:g})",
                (name, f"dL/d{name}"),
                lambda w, g: w - rate * g,
                f"{hole(name)} − {rate:g}·{hole(f'dL/d{name}')}",
            )


def _norm_table(solution: Solution, T: int) -> SummaryTable:
    table = SummaryTable(
        f"Jacobian products dh{T}/dh_t "
        f"(vanishing below {bptt.VANISHING_BELOW:g}, exploding above {bptt.EXPLODING_ABOVE:g})",
        ["distance", "product", "‖·‖₂", "regime"],
        numeric={0, 2},
    )
    for t in range(T - 1, 0, -1):
        norm = bptt.spectral_norm(np.asarray(solution[f"dh{T}/dh{t}"].value))
        table.rows.append([str(T - t), f"dh{T}/dh{t}", f"{norm:.4g}", bptt.regime(norm) or "—"])
    if T == 1:
        table.footer = ["One time step: no Jacobian products."]
    return table
