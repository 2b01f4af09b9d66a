"""Kind ``gru``: a GRU's reset and update gates, candidate and hidden state step by step, and BPTT.

Forward, as PyTorch documents torch.nn.GRU (column convention; the row
convention turns every product around, x_t·W):

    r_t = σ(W_r x_t + U_r h_{t−1} + b_r)                  reset gate
    z_t = σ(W_z x_t + U_z h_{t−1} + b_z)                  update gate
    a_t = U_n h_{t−1} + b_hn                              the candidate's recurrent part
    n_t = tanh(W_n x_t + b_n + r_t ⊙ a_t)                 candidate
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}

then y_hat = g(W_y h_T + b_y) (many-to-one) or one y_hat_t per step, as the rnn kind.
The reset gate acts after U_n (PyTorch, Keras's ``reset_after=True``); the
candidate's note gives the other common form, and swapping the update gate's
roles is a named mistake.

Backward from the last step: dL/dh_t (from the output at t, and from step t+1:
through z_{t+1} directly and through each gate), then the gradients at the
gates' pre-activations, at a_t, and every weight's gradient as the sum over the steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.graph.arrays import ArraySteps
from solver.graph.blocks import Sentence
from solver.graph.steps import Solution, Variant
from solver.kinds.recurrent import bptt
from solver.kinds.recurrent.backward import add_output_gradients, add_update
from solver.kinds.recurrent.batch import solve_batch
from solver.kinds.recurrent.gates import (
    GRU,
    Gated,
    GatedGiven,
    Matrix,
    Term,
    Vector,
    add_gate,
    add_readout_givens,
    add_sum,
    add_weight_givens,
    add_weight_gradients,
    back_through,
    from_outputs,
    hidden_gradient_title,
    product,
    read_gated,
)
from solver.kinds.recurrent.rnn import add_initial_state, add_inputs, add_outputs, add_targets
from solver.kinds.recurrent.text import formula, hole, slope_text, times_text

KIND = "gru"

UPDATE_GATE_SWAPPED = "gru_update_gate_swapped"
UPDATE_GATE_SWAPPED_FEEDBACK = (
    "The update gate keeps the old state here, h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_(t−1) as PyTorch writes it; "
    "z_t and 1 − z_t were swapped."
)
OTHER_CANDIDATE = (
    "PyTorch (and Keras's reset_after=True) apply the reset gate after U_n: r_t ⊙ (U_n·h_(t−1) + b_hn). "
    "Cho et al. (2014) and Keras's reset_after=False apply it before: n_t = tanh(W_n·x_t + U_n·(r_t ⊙ h_(t−1)) + b_n), "
    "which gives other numbers."
)


@dataclass
class Given(GatedGiven):
    W_r: Matrix | None = None
    """Reset gate: input weights (hidden × inputs, column convention)."""
    U_r: Matrix | None = None
    """Reset gate: recurrent weights (hidden × hidden)."""
    b_r: Vector | None = None
    """Reset gate: bias (none if left out)."""
    W_z: Matrix | None = None
    """Update gate: input weights."""
    U_z: Matrix | None = None
    """Update gate: recurrent weights."""
    b_z: Vector | None = None
    """Update gate: bias."""
    W_n: Matrix | None = None
    """Candidate n_t: input weights."""
    U_n: Matrix | None = None
    """Candidate: recurrent weights, inside the reset product r_t ⊙ (U_n·h_{t−1} + b_hn)."""
    b_n: Vector | None = None
    """Candidate: input bias (PyTorch's b_in)."""
    b_hn: Vector | None = None
    """Candidate: recurrent bias, inside the reset product (PyTorch's b_hn)."""


def solve(given: Given, title: str | None = None) -> Solution:
    if given.batch is not None:
        return solve_batch(given, solve, title)
    net = read_gated(given, GRU)
    T = net.steps
    mode = "many-to-many" if net.every_step else "many-to-one"
    layout = "PyTorch's stacked weights" if net.stacked else "one matrix per gate"
    solution = Solution(KIND, title or f"GRU over {T} time steps ({mode}, {layout}): forward pass and BPTT")
    steps = ArraySteps(solution, is_row=lambda name: net.convention == "row")
    add_inputs(steps, net)
    add_initial_state(steps, "h0", "hidden state", net.h0, net.hidden_size)
    add_weight_givens(steps, net)
    add_readout_givens(steps, net)
    add_targets(steps, net)
    for t in range(1, T + 1):
        _forward_step(steps, net, t)
    add_outputs(steps, net)
    from_output = add_output_gradients(steps, net)
    for t in range(T, 0, -1):
        _backward_step(steps, net, t, from_output)
    add_weight_gradients(steps, net, recurrent={"n": "dL/da"})
    if given.learning_rate is not None:
        add_update(steps, given.learning_rate, net.trained)
    return solution


def _forward_step(steps: ArraySteps, net: Gated, t: int) -> None:
    c, previous = net.convention, f"h{t - 1}"
    add_gate(steps, net, "r", t)
    add_gate(steps, net, "z", t)
    hidden_bias = ("b_hn",) if "b_hn" in steps else ()
    steps.add(
        f"a{t}",
        f"the candidate's recurrent part at step {t}",
        (previous, "U_n", *hidden_bias),
        lambda h, U, *b: bptt.times(U, h, c) + sum(b),
        formula(times_text("U_n", previous, c) + "".join(f" + {hole(b)}" for b in hidden_bias)),
    )
    input_bias = ("b_n",) if "b_n" in steps else ()
    inner = times_text("W_n", f"x{t}", c) + "".join(f" + {hole(b)}" for b in input_bias)
    steps.add(
        f"n{t}",
        f"candidate at step {t}",
        (f"x{t}", "W_n", f"r{t}", f"a{t}", *input_bias),
        lambda x, W, r, a, *b: np.tanh(bptt.times(W, x, c) + sum(b) + r * a),
        formula(f"tanh({inner} + {product(net, hole(f'r{t}'), hole(f'a{t}'))})"),
        detail=[Sentence(OTHER_CANDIDATE, label="other convention")] if t == 1 else None,
    )
    z, n = hole(f"z{t}"), hole(f"n{t}")
    steps.add(
        f"h{t}",
        f"hidden state at step {t}",
        (f"z{t}", f"n{t}", previous),
        lambda z, n, h: (1 - z) * n + z * h,
        formula(f"{product(net, f'(1 − {z})', n)} + {product(net, z, hole(previous))}"),
        mistakes=[Variant(UPDATE_GATE_SWAPPED, UPDATE_GATE_SWAPPED_FEEDBACK, lambda z, n, h: z * n + (1 - z) * h)],
    )


def _backward_step(steps: ArraySteps, net: Gated, t: int, from_output: dict[int, str]) -> None:
    """dL/dh_t, then the gradients at the candidate, the update gate, a_t and the reset gate of step t."""
    T, scalar = net.steps, net.scalar
    later: list[Term] = []
    if t < T:
        keep = f"dL/dh{t + 1}", f"z{t + 1}"
        later = [
            (keep, lambda g, z: g * z, product(net, *map(hole, keep))),
            back_through(net, "U_z", f"dL/dz_z{t + 1}"),
            back_through(net, "U_r", f"dL/dz_r{t + 1}"),
            back_through(net, "U_n", f"dL/da{t + 1}"),
        ]
    add_sum(steps, f"dL/dh{t}", hidden_gradient_title(t, t in from_output, bool(later)),
            from_outputs(net, from_output, t) + later)  # fmt: skip
    grad, z, n, r = f"dL/dh{t}", f"z{t}", f"n{t}", f"r{t}"
    locals_: list[tuple[str, str, Term]] = [
        ("dL/dz_n", "the candidate's pre-activation",
         ((grad, z, n), lambda g, z, n: g * (1 - z) * (1 - n**2),
          product(net, hole(grad), f"(1 − {hole(z)})", slope_text("tanh", n, scalar)))),
        ("dL/dz_z", "the update gate's pre-activation",
         ((grad, f"h{t - 1}", n, z), lambda g, h, n, z: g * (h - n) * z * (1 - z),
          product(net, hole(grad), f"({hole(f'h{t - 1}')} − {hole(n)})", slope_text("sigmoid", z, scalar)))),
        ("dL/da", "the candidate's recurrent part",
         ((f"dL/dz_n{t}", r), lambda g, r: g * r, product(net, hole(f"dL/dz_n{t}"), hole(r)))),
        ("dL/dz_r", "the reset gate's pre-activation",
         ((f"dL/dz_n{t}", f"a{t}", r), lambda g, a, r: g * a * r * (1 - r),
          product(net, hole(f"dL/dz_n{t}"), hole(f"a{t}"), slope_text("sigmoid", r, scalar)))),
    ]  # fmt: skip
    for name, what, term in locals_:
        add_sum(steps, f"{name}{t}", f"gradient at {what}, step {t}", [term])
