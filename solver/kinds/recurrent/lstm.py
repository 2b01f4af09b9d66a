"""Kind ``lstm``: an LSTM's gates, cell and hidden states step by step, and backpropagation through time.

Forward, as PyTorch documents it (column convention; the row convention turns
every product around, x_t·W):

    i_t = σ(W_i x_t + U_i h_{t−1} + b_i)      input gate
    f_t = σ(W_f x_t + U_f h_{t−1} + b_f)      forget gate
    g_t = tanh(W_g x_t + U_g h_{t−1} + b_g)   candidate (c̃_t)
    o_t = σ(W_o x_t + U_o h_{t−1} + b_o)      output gate
    c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t
    h_t = o_t ⊙ tanh(c_t)

then y_hat = g(W_y h_T + b_y) (many-to-one) or one y_hat_t per step, as the rnn kind.

Backward, step by step from the last: dL/dh_t (from the output at t and from
the four gates of step t+1), dL/dc_t (through h_t, and along the cell path from
c_{t+1}: dL/dc_{t+1} ⊙ f_{t+1}), the gradients at each gate's pre-activation
dL/dz_k, then every weight's gradient as the sum over the steps.  The cell
path's Jacobians ∂c_t/∂c_{t−1} = diag(f_t) and their products are shown with
their norms, next to the vanilla RNN's diag(f'(z_t))·W_h; a table sets the norm of
the cell path's product of forget gates, ‖∏ f‖, beside the product of the norms of
the hidden path's Jacobians ∂h_t/∂h_{t−1} (through the gates, c_{t−1} held), ∏ ‖J‖:
a bound on that path, whose Jacobians multiply recurrent weights and activation
slopes as the vanilla RNN's do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.graph.arrays import ArraySteps
from solver.graph.steps import Noted, Solution, Variant
from solver.graph.tables import Column, Table
from solver.kinds.recurrent import bptt
from solver.kinds.recurrent.backward import add_output_gradients, add_update, norm_note, norm_table
from solver.kinds.recurrent.batch import CellExample, solve_batch
from solver.kinds.recurrent.gates import (
    LSTM,
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
from solver.kinds.recurrent.text import formula, hole, slope_text

KIND = "lstm"

CELL_PATH_DROPPED = "lstm_cell_path_dropped"
CELL_PATH_DROPPED_FEEDBACK = (
    "dL/dc_t also comes from the next step along the cell path, dL/dc_{t+1} ⊙ f_{t+1}; "
    "only the path through h_t was kept."
)
FORGET_GATE_SKIPPED = "lstm_forget_gate_skipped"
FORGET_GATE_SKIPPED_FEEDBACK = (
    "the old cell state is scaled by the forget gate before the new content is added: "
    "c_t = f_t ⊙ c_(t−1) + i_t ⊙ g_t, not c_(t−1) + i_t ⊙ g_t."
)
NO_TANH_ON_CELL = "lstm_no_tanh_on_cell"
NO_TANH_ON_CELL_FEEDBACK = (
    "the cell state goes through tanh before the output gate: h_t = o_t ⊙ tanh(c_t), not o_t ⊙ c_t."
)
#: The note on the last step's cell-path Jacobian: why the LSTM's gradient does not vanish as the RNN's does.
ADDITIVE_PATH = (
    "the additive cell path: ∂c_t/∂c_(t−1) = diag(f_t), no recurrent weights and no activation slope, "
    "where the vanilla RNN has ∂h_t/∂h_(t−1) = diag(f'(z_t))·W_h"
)


@dataclass
class Given(GatedGiven):
    W_i: Matrix | None = None
    """Input gate: input weights (hidden × inputs, column convention)."""
    U_i: Matrix | None = None
    """Input gate: recurrent weights (hidden × hidden)."""
    b_i: Vector | None = None
    """Input gate: bias (none if left out)."""
    W_f: Matrix | None = None
    """Forget gate: input weights."""
    U_f: Matrix | None = None
    """Forget gate: recurrent weights."""
    b_f: Vector | None = None
    """Forget gate: bias."""
    W_g: Matrix | None = None
    """Candidate g_t (c̃_t): input weights."""
    U_g: Matrix | None = None
    """Candidate: recurrent weights."""
    b_g: Vector | None = None
    """Candidate: bias."""
    W_o: Matrix | None = None
    """Output gate: input weights."""
    U_o: Matrix | None = None
    """Output gate: recurrent weights."""
    b_o: Vector | None = None
    """Output gate: bias."""
    c0: Vector | None = None
    """Initial cell state (zero if left out)."""
    batch: list[CellExample] | None = None
    """A batch of sequences sharing the weights, each {x or words, y, h0?, c0?}, instead of x and y: each worked as
    one sequence, then the loss reduced over the batch (reduction) and the gradients combined from the examples'."""


def solve(given: Given, title: str | None = None) -> Solution:
    if given.batch is not None:
        return solve_batch(given, solve, title)
    net = read_gated(given, LSTM, given.c0)
    T = net.steps
    mode = "many-to-many" if net.every_step else "many-to-one"
    layout = "PyTorch's stacked weights" if net.stacked else "one matrix per gate"
    solution = Solution(KIND, title or f"LSTM over {T} time steps ({mode}, {layout}): forward pass and BPTT")
    steps = ArraySteps(solution, is_row=lambda name: net.convention == "row")
    add_inputs(steps, net)
    add_initial_state(steps, "h0", "hidden state", net.h0, net.hidden_size)
    add_initial_state(steps, "c0", "cell state", net.c0, net.hidden_size)
    add_weight_givens(steps, net)
    add_readout_givens(steps, net)
    add_targets(steps, net)
    for t in range(1, T + 1):
        _forward_step(steps, net, t)
    add_outputs(steps, net)
    from_output = add_output_gradients(steps, net)
    for t in range(T, 0, -1):
        _backward_step(steps, net, t, from_output)
    add_weight_gradients(steps, net)
    _cell_path(steps, net)
    if given.learning_rate is not None:
        add_update(steps, given.learning_rate, net.trained)
    solution.tables.append(norm_table(solution, T, "c"))
    solution.tables.append(_paths_compared(solution, net))
    return solution


def _forward_step(steps: ArraySteps, net: Gated, t: int) -> None:
    for gate in LSTM.gates:
        add_gate(steps, net, gate, t)
    steps.add(
        f"c{t}",
        f"cell state at step {t}",
        (f"f{t}", f"c{t - 1}", f"i{t}", f"g{t}"),
        lambda f, c, i, g: f * c + i * g,
        formula(f"{product(net, hole(f'f{t}'), hole(f'c{t - 1}'))} + {product(net, hole(f'i{t}'), hole(f'g{t}'))}"),
        mistakes=[Variant(FORGET_GATE_SKIPPED, FORGET_GATE_SKIPPED_FEEDBACK, lambda f, c, i, g: c + i * g)],
    )
    steps.add(
        f"h{t}",
        f"hidden state at step {t}",
        (f"o{t}", f"c{t}"),
        lambda o, c: o * np.tanh(c),
        formula(product(net, hole(f"o{t}"), f"tanh({hole(f'c{t}')})")),
        mistakes=[Variant(NO_TANH_ON_CELL, NO_TANH_ON_CELL_FEEDBACK, lambda o, c: o * c)],
    )


def _tanh_slope(c: str) -> str:
    return f"(1 − tanh²({hole(c)}))"


def _backward_step(steps: ArraySteps, net: Gated, t: int, from_output: dict[int, str]) -> None:
    """dL/dh_t, dL/dc_t and the gradients at the four gates' pre-activations of step t."""
    T = net.steps
    later = [back_through(net, f"U_{gate}", f"dL/dz_{gate}{t + 1}") for gate in LSTM.gates] if t < T else []
    add_sum(steps, f"dL/dh{t}", hidden_gradient_title(t, t in from_output, bool(later)),
            from_outputs(net, from_output, t) + later)  # fmt: skip
    through_h: Term = (
        (f"dL/dh{t}", f"o{t}", f"c{t}"),
        lambda g, o, c: g * o * (1 - np.tanh(c) ** 2),
        product(net, hole(f"dL/dh{t}"), hole(f"o{t}"), _tanh_slope(f"c{t}")),
    )
    along_cell: list[Term] = []
    if t < T:
        along_cell = [
            ((f"dL/dc{t + 1}", f"f{t + 1}"), lambda g, f: g * f, product(net, hole(f"dL/dc{t + 1}"), hole(f"f{t + 1}")))
        ]
    add_sum(
        steps,
        f"dL/dc{t}",
        f"loss gradient at c{t}" + (f": through h{t} and along the cell path from c{t + 1}" if along_cell else ""),
        [through_h, *along_cell],
        mistakes=[Variant(CELL_PATH_DROPPED, CELL_PATH_DROPPED_FEEDBACK, through_h[1], through_h[0])]
        if along_cell
        else (),
    )
    locals_: dict[str, Term] = {
        "o": (
            (f"dL/dh{t}", f"c{t}", f"o{t}"),
            lambda g, c, o: g * np.tanh(c) * o * (1 - o),
            product(net, hole(f"dL/dh{t}"), f"tanh({hole(f'c{t}')})", slope_text("sigmoid", f"o{t}", net.scalar)),
        ),
        "f": (
            (f"dL/dc{t}", f"c{t - 1}", f"f{t}"),
            lambda g, c, f: g * c * f * (1 - f),
            product(net, hole(f"dL/dc{t}"), hole(f"c{t - 1}"), slope_text("sigmoid", f"f{t}", net.scalar)),
        ),
        "i": (
            (f"dL/dc{t}", f"g{t}", f"i{t}"),
            lambda g, cand, i: g * cand * i * (1 - i),
            product(net, hole(f"dL/dc{t}"), hole(f"g{t}"), slope_text("sigmoid", f"i{t}", net.scalar)),
        ),
        "g": (
            (f"dL/dc{t}", f"i{t}", f"g{t}"),
            lambda g, i, cand: g * i * (1 - cand**2),
            product(net, hole(f"dL/dc{t}"), hole(f"i{t}"), slope_text("tanh", f"g{t}", net.scalar)),
        ),
    }
    for gate in LSTM.gates:
        title = LSTM.gates[gate][0]
        add_sum(steps, f"dL/dz_{gate}{t}", f"gradient at the {title}'s pre-activation, step {t}", [locals_[gate]])


def _cell_path(steps: ArraySteps, net: Gated) -> None:
    """∂c_t/∂c_{t−1} = diag(f_t) for each step, then the products ∂c_T/∂c_t, with their norms."""
    T = net.steps
    for t in range(T, 1, -1):
        note = ADDITIVE_PATH if t == T else None
        steps.add(
            f"dc{t}/dc{t - 1}",
            f"cell-path Jacobian of step {t} with respect to step {t - 1}",
            (f"f{t}",),
            lambda f, t=t, note=note: _noted_also(norm_note(np.diag(f), 1 if t == T else None), note),
            formula(hole(f"f{t}") if net.scalar else f"diag({hole(f'f{t}')})"),
        )
    for t in range(T - 2, 0, -1):
        steps.add(
            f"dc{T}/dc{t}",
            f"cell-path product over {T - t} steps",
            (f"dc{T}/dc{t + 1}", f"dc{t + 1}/dc{t}"),
            lambda far, near, t=t: norm_note(far @ near, T - t),
            formula(f"{hole(f'dc{T}/dc{t + 1}')}·{hole(f'dc{t + 1}/dc{t}')}"),
        )


def _noted_also(noted: Noted, extra: str | None) -> Noted:
    """The note with ``extra`` after it."""
    return Noted(noted.value, f"{noted.note}; {extra}" if extra else noted.note)


def _paths_compared(solution: Solution, net: Gated) -> Table:
    """Per step back, the cell path's ‖∏ f‖ beside the product of the hidden path's Jacobian norms (none: one step)."""
    T = net.steps
    table = Table(
        f"The cell path next to the hidden path, step by step back from step {T}: the forget gates' product "
        f"‖{hole(f'dc{T}/dc_t')}‖₂, and ∏ ‖∂h_s/∂h_(s−1)‖₂, the hidden state's Jacobians through the gates "
        "(the cell state held), which multiply recurrent weights and activation slopes as the vanilla RNN's "
        "diag(f'(z_t))·W_h do",
        [
            Column("steps back", numeric=True, key="distance"),
            Column("cell path ‖∏ f‖₂", numeric=True, spec=".4g", key="cell_path"),
            Column("hidden path ∏ ‖∂h_s/∂h_(s−1)‖₂", numeric=True, spec=".4g", key="hidden_path"),
        ],
        key="cell_and_hidden_paths",
    )
    hidden = 1.0
    for t in range(T, 1, -1):
        hidden *= bptt.spectral_norm(_hidden_path_jacobian(solution, net, t))
        cell = bptt.spectral_norm(np.asarray(solution[f"dc{T}/dc{t - 1}"].value, dtype=float))
        table.rows.append([T - t + 1, cell, hidden])
    return table


def _hidden_path_jacobian(solution: Solution, net: Gated, t: int) -> np.ndarray:
    """∂h_t/∂h_(t−1) with c_(t−1) held: h_t = o_t ⊙ tanh(c_t) reads h_(t−1) through each gate's U and its slope."""

    def vector(name: str) -> np.ndarray:
        return np.ravel(np.asarray(solution[name].value, dtype=float))

    def through(gate: str) -> np.ndarray:
        return bptt.through(np.atleast_2d(np.asarray(solution[f"U_{gate}"].value, dtype=float)), net.convention)

    i, f, g, o, c = (vector(f"{name}{t}") for name in ("i", "f", "g", "o", "c"))
    previous, squashed = vector(f"c{t - 1}"), np.tanh(c)
    into_cell = o * (1 - squashed**2)  # ∂h_t/∂c_t
    return (
        np.diag(squashed * o * (1 - o)) @ through("o")
        + np.diag(into_cell * previous * f * (1 - f)) @ through("f")
        + np.diag(into_cell * g * i * (1 - i)) @ through("i")
        + np.diag(into_cell * i * (1 - g**2)) @ through("g")
    )
