"""The backward steps of the rnn kind: BPTT as the notes write it, path by path.

From the output back: dL/dy_hat and dL/dz_y per output, dL/dW_y and dL/db_y;
the Jacobians dh_t/dh_{t-1} and their products dh_T/dh_t (with norms: the
vanishing or exploding gradient); dL/dh_t along each path; then for W_h and
W_x one path term per time step, ``dL/dh_t · dh_t/dW``, and their sum, which
is where the named mistake "only the last step's path" lives.
"""

from __future__ import annotations

import numpy as np

from solver.graph.arrays import ArraySteps
from solver.graph.blocks import Math
from solver.graph.steps import Noted, Solution, Variant
from solver.graph.tables import Column, Table
from solver.kinds.recurrent import bptt
from solver.kinds.recurrent.network import Network, Readout
from solver.kinds.recurrent.text import (
    back_through_text,
    formula,
    hole,
    loss_gradient_formula,
    outer_text,
    output_slope_text,
    slope_text,
    through_text,
)
from solver.math.losses import loss as loss_function
from solver.math.optimizers import GRADIENT, OPTIMIZERS, THETA

LAST_STEP_ONLY = "bptt_last_step_only"
LAST_STEP_ONLY_FEEDBACK = (
    "Only the path through the last time step was kept; BPTT adds the paths through every earlier step, "
    "because the same weights are used at each step."
)


def add_backward(steps: ArraySteps, net: Network) -> None:
    from_output = add_output_gradients(steps, net)
    _jacobians(steps, net)
    _hidden_gradients(steps, net, from_output)
    for weights in ("W_h", "W_x"):
        _paths(steps, net, weights)
    if "b_h" in steps:
        _hidden_bias(steps, net)


def add_output_gradients(steps: ArraySteps, net: Readout) -> dict[int, str]:
    """dL/dy_hat, dL/dz_y for each output, and the gradients of W_y and b_y; returns step -> its dL/dz_y."""
    loss = loss_function(net.loss)
    share = 1 / len(net.outputs()) if net.averaged else 1.0
    T, every = net.steps, net.every_step
    from_output: dict[int, str] = {}
    for t, y_hat, y in net.outputs():
        suffix, of_step = (str(t), f" of step {t}") if every else ("", "")
        grad, local = f"dL/dy_hat{suffix}", f"dL/dz_y{suffix}"
        steps.add(
            grad,
            f"loss gradient at the prediction{of_step}",
            (y_hat, y),
            lambda p, target: share * loss.gradient(p, target),
            loss_gradient_formula(loss.name, y_hat, y, T if net.averaged else None),
        )
        # A linear output passes the gradient through: its slope does not read the prediction.
        linear = net.output == "linear"
        steps.add(
            local,
            f"gradient at the output pre-activation {hole('z_y')}{of_step}",
            (grad,) if linear else (grad, y_hat),
            (lambda g: g) if linear else (lambda g, p: g @ bptt.output_jacobian(net.output, p)),
            formula(output_slope_text(net.output, grad, y_hat, net.convention, net.scalar)),
        )
        from_output[t] = local
    _output_weights(steps, net, from_output)
    return from_output


def _output_weights(steps: ArraySteps, net: Readout, from_output: dict[int, str]) -> None:
    c, scalar = net.convention, net.scalar
    pairs = [(from_output[t], f"h{t}") for t in from_output]
    summed = ", summed over the steps" if len(pairs) > 1 else ""
    steps.add(
        "dL/dW_y",
        f"gradient of {hole('W_y')}{summed}",
        tuple(n for pair in pairs for n in pair),
        lambda *v: sum(bptt.weight_term(v[i], v[i + 1], c) for i in range(0, len(v), 2)),
        formula(" + ".join(outer_text(hole(local), h, c, scalar) for local, h in pairs)),
    )
    if "b_y" in steps:
        steps.add(
            "dL/db_y",
            f"gradient of {hole('b_y')}{summed}",
            tuple(local for local, _ in pairs),
            lambda *v: sum(v),
            formula(" + ".join(hole(local) for local, _ in pairs)),
        )


def norm_note(matrix: np.ndarray, distance: int | None) -> Noted:
    """The norm of a Jacobian; for dh_T/dh_t (``distance`` = T − t) whether it vanishes or explodes."""
    norm = bptt.spectral_norm(matrix)
    note = f"‖·‖₂ = {norm:.4g}"
    regime = bptt.regime(norm) if distance else None
    if regime == "vanishing":
        note += f" < {bptt.VANISHING_BELOW:g}: vanishing gradient, the path {distance} step(s) back contributes ≈ 0"
    elif regime == "exploding":
        note += f" > {bptt.EXPLODING_ABOVE:g}: exploding gradient over {distance} step(s)"
    return Noted(matrix, note)


def _jacobians(steps: ArraySteps, net: Network) -> None:
    """dh_t/dh_{t-1} for each step, then the products dh_T/dh_t for each distance T − t."""
    c, f, T, scalar = net.convention, net.activation, net.steps, net.scalar
    for t in range(T, 1, -1):
        slope = slope_text(f, f"h{t}", scalar)
        diagonal = slope if scalar else f"diag{slope if slope.startswith('(') else f'({slope})'}"
        steps.add(
            f"dh{t}/dh{t - 1}",
            f"Jacobian of step {t} with respect to step {t - 1}",
            (f"h{t}", "W_h"),
            lambda h, W_h, t=t: norm_note(bptt.step_jacobian(f, h, W_h, c), 1 if t == T else None),
            formula(f"{diagonal}·{through_text('W_h', c, scalar)}"),
        )
    for t in range(T - 2, 0, -1):
        steps.add(
            f"dh{T}/dh{t}",
            f"Jacobian product over {T - t} steps",
            (f"dh{T}/dh{t + 1}", f"dh{t + 1}/dh{t}"),
            lambda far, near, t=t: norm_note(far @ near, T - t),
            formula(f"{hole(f'dh{T}/dh{t + 1}')}·{hole(f'dh{t + 1}/dh{t}')}"),
        )


def _hidden_gradients(steps: ArraySteps, net: Network, from_output: dict[int, str]) -> None:
    """dL/dh_t: many-to-one along the product dh_T/dh_t; many-to-many step by step."""
    c, T = net.convention, net.steps

    def from_prediction(t: int) -> str:
        return back_through_text(from_output[t], "W_y", c, net.scalar, vector=net.output_size > 1)

    steps.add(
        f"dL/dh{T}",
        f"loss gradient at {hole(f'h{T}')}",
        (from_output[T], "W_y"),
        lambda g, W_y: g @ bptt.through(W_y, c),
        formula(from_prediction(T)),
    )
    for t in range(T - 1, 0, -1):
        if net.every_step:
            steps.add(
                f"dL/dh{t}",
                f"loss gradient at {hole(f'h{t}')}: from {hole(f'y_hat{t}')} and from {hole(f'h{t + 1}')}",
                (from_output[t], "W_y", f"dL/dh{t + 1}", f"dh{t + 1}/dh{t}"),
                lambda g, W_y, later, J: g @ bptt.through(W_y, c) + later @ J,
                formula(f"{from_prediction(t)} + {hole(f'dL/dh{t + 1}')}·{hole(f'dh{t + 1}/dh{t}')}"),
            )
        else:
            steps.add(
                f"dL/dh{t}",
                f"loss gradient at {hole(f'h{t}')}, along the path of {T - t} step(s)",
                (f"dL/dh{T}", f"dh{T}/dh{t}"),
                lambda g, J: g @ J,
                formula(f"{hole(f'dL/dh{T}')}·{hole(f'dh{T}/dh{t}')}"),
            )


def _local_text(net: Network, t: int) -> str:
    """dL/dz_t = dL/dh_t ⊙ f'(z_t), f' written from h_t (dL/dh_t is a row: a column convention turns it)."""
    product = "·" if net.scalar else " ⊙ "
    turn = "ᵀ" if net.convention == "column" and not net.scalar else ""
    return f"{hole(f'dL/dh{t}')}{turn}{product}{slope_text(net.activation, f'h{t}', net.scalar)}"


def _paths(steps: ArraySteps, net: Network, weights: str) -> None:
    """One path term per time step for W_h or W_x, then their sum."""
    c, f, T = net.convention, net.activation, net.steps
    paths = []
    for t in range(T, 0, -1):
        name = f"dL/d{weights}_path{t}"
        used_with = f"h{t - 1}" if weights == "W_h" else f"x{t}"
        steps.add(
            name,
            f"{hole(weights)} path through step {t}" + (" (the last step)" if t == T else f" ({T - t} step(s) back)"),
            (f"dL/dh{t}", f"h{t}", used_with),
            lambda g, h, v: bptt.weight_term(g * bptt.slope_from_output(f, h), v, c),
            formula(outer_text(_local_text(net, t), used_with, c, net.scalar)),
            detail=[_path_chain(net, t, weights)],
        )
        paths.append(name)
    steps.add(
        f"dL/d{weights}",
        f"gradient of {hole(weights)}: the sum of its {T} path(s)",
        tuple(paths),
        lambda *terms: sum(terms),
        formula(" + ".join(hole(p) for p in paths)),
        mistakes=[Variant(LAST_STEP_ONLY, LAST_STEP_ONLY_FEEDBACK, lambda last: last, (paths[0],))],
    )


def _hidden_bias(steps: ArraySteps, net: Network) -> None:
    f, T = net.activation, net.steps
    steps.add(
        "dL/db_h",
        f"gradient of {hole('b_h')}: the sum of its {T} path(s)",
        tuple(n for t in range(T, 0, -1) for n in (f"dL/dh{t}", f"h{t}")),
        lambda *v: sum(v[i] * bptt.slope_from_output(f, v[i + 1]) for i in range(0, len(v), 2)),
        formula(" + ".join(_local_text(net, t) for t in range(T, 0, -1))),
        mistakes=[
            Variant(
                LAST_STEP_ONLY,
                LAST_STEP_ONLY_FEEDBACK,
                lambda g, h: g * bptt.slope_from_output(f, h),
                (f"dL/dh{T}", f"h{T}"),
            )
        ],
    )


def _path_chain(net: Network, t: int, weights: str) -> Math:
    """The path as the notes write it: ∂L/∂ŷ · ∂ŷ/∂h_T · ∂h_T/∂h_{T-1} ⋯ ∂h_t/∂W, in the course's names."""
    T = net.steps
    if net.every_step:
        factors = [("L", "y_hat_s"), ("y_hat_s", "h_s"), ("h_s", f"h{t}"), (f"h{t}", weights)]
        sums = (f"Σ_(s ≥ {t}) ", rf"\sum_{{s \geq {t}}} ")
    else:
        links = [(f"h{k}", f"h{k - 1}") for k in range(T, t, -1)]
        factors = [("L", "y_hat"), ("y_hat", f"h{T}"), *links, (f"h{t}", weights)]
        sums = ("", "")
    names = tuple(f"d{top}/d{bottom}" for top, bottom in factors)
    chain = (sums[0] + " · ".join(map(hole, names)), sums[1] + r" \cdot ".join(map(hole, names)))
    return Math(*chain, label="path", names=names)


def add_update(steps: ArraySteps, rate: float, parameters: tuple[str, ...]) -> None:
    """One step of gradient descent for each of ``parameters`` the network has, at the rate in step ``eta``."""
    sgd = OPTIMIZERS["sgd"].update
    steps.given("eta", "learning rate η", np.asarray(rate))
    for name in parameters:
        if name in steps:
            steps.add(
                f"{name}_new",
                f"{hole(name)} after one step of gradient descent (η = {rate:g})",
                (name, "eta", f"dL/d{name}"),
                sgd.rule,
                sgd.formula({THETA: hole(name), "eta": hole("eta"), GRADIENT: hole(f"dL/d{name}")}),
                mistakes=[Variant(mistake.name, mistake.feedback, mistake.rule) for mistake in sgd.mistakes],
            )


#: A state's letter -> the title of its products' table and the key it is published under.
PRODUCT_TABLES = {
    "h": ("Jacobian products {product}", "jacobian_norms"),
    "c": ("Cell-path products {product} (the forget gates' product)", "cell_path_norms"),
}


def norm_table(solution: Solution, T: int, state: str = "h") -> Table:
    """The spectral norm of each product dh_T/dh_t (or dc_T/dc_t), published under its key (empty for one step)."""
    title, key = PRODUCT_TABLES[state]
    table = Table(
        f"{title.format(product=hole(f'd{state}{T}/d{state}_t'))} "
        f"(vanishing below {bptt.VANISHING_BELOW:g}, exploding above {bptt.EXPLODING_ABOVE:g})",
        [
            Column("distance", numeric=True),
            Column("product", key="product"),
            Column("‖·‖₂", numeric=True, spec=".4g", key="norm"),
            Column("regime"),
        ],
        key=key,
        by="product",
    )
    for t in range(T - 1, 0, -1):
        product = f"d{state}{T}/d{state}{t}"
        norm = bptt.spectral_norm(np.asarray(solution[product].value))
        table.rows.append([T - t, hole(product), norm, bptt.regime(norm) or "—"])
    return table
