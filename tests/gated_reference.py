"""The reference for the lstm and gru kinds: PyTorch's documented equations restated in NumPy.

torch.nn.LSTM and torch.nn.GRU compute one stacked matrix product per step
(weight_ih·x + bias_ih and weight_hh·h + bias_hh, the gates in blocks of rows) and
cut it into the gates afterwards; so does this reference, not the way the kinds do.
A problem given one matrix per gate (or in the row convention) is stacked (and
turned) first.  ``finite_difference`` is the central difference of the reference's loss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

EPS = 1e-6
GATES = {"lstm": "ifgo", "gru": "rzn"}
OUTPUTS = [("linear", "mse"), ("sigmoid", "bce"), ("softmax", "cross_entropy")]


@dataclass
class Case:
    kind: str
    convention: str
    stacked: bool
    output: str
    loss: str
    every_step: bool
    params: dict[str, np.ndarray]
    x: list[np.ndarray]
    y: list[np.ndarray]
    #: h0 and, for an LSTM, c0 (left out: zero).
    initial: dict[str, np.ndarray] = field(default_factory=dict)

    def given(self, given_class: type) -> Any:
        return given_class(
            **{name: value.tolist() for name, value in (self.params | self.initial).items()},
            y=[v.tolist() for v in self.y] if self.every_step else self.y[0].tolist(),
            x=[v.tolist() for v in self.x],
            convention=self.convention,
            output=self.output,
            outputs="every_step" if self.every_step else "last",
            loss=self.loss,
        )

    def with_params(self, params: dict[str, np.ndarray]) -> Case:
        return Case(**{**self.__dict__, "params": params})


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def torch_layout(case: Case, p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """weight_ih, weight_hh, bias_ih, bias_hh, W_y, b_y as torch.nn.LSTM/GRU and nn.Linear hold them."""
    gates = GATES[case.kind]
    hidden = p["weight_hh"].shape[1] if case.stacked else p[f"U_{gates[0]}"].shape[0]
    zero = np.zeros(len(gates) * hidden)

    def turned(name: str) -> np.ndarray:  # outputs × inputs, as PyTorch holds a weight
        return p[name].T if case.convention == "row" else p[name]

    if case.stacked:
        torch = {"weight_ih": p["weight_ih"], "weight_hh": p["weight_hh"]}
        torch |= {name: p.get(name, zero) for name in ("bias_ih", "bias_hh")}
    else:
        no_bias = np.zeros(hidden)
        torch = {
            "weight_ih": np.vstack([turned(f"W_{g}") for g in gates]),
            "weight_hh": np.vstack([turned(f"U_{g}") for g in gates]),
            "bias_ih": np.concatenate([p.get(f"b_{g}", no_bias) for g in gates]),
            # Only the GRU's candidate keeps a recurrent bias of its own (b_hn); the others' is in b_k.
            "bias_hh": np.concatenate([p.get("b_hn", no_bias) if g == "n" else no_bias for g in gates]),
        }
    K = len(case.y[0])
    return torch | {"W_y": turned("W_y").reshape(K, hidden), "b_y": p.get("b_y", np.zeros(K))}


def run(case: Case, p: dict[str, np.ndarray] | None = None) -> list[dict[str, np.ndarray]]:
    """Each step's states and gates, from torch.nn.LSTM's or torch.nn.GRU's documented recurrence."""
    torch = torch_layout(case, case.params if p is None else p)
    H = torch["weight_hh"].shape[1]
    h, c = (case.initial.get(name, np.zeros(H)).copy() for name in ("h0", "c0"))
    trace = []
    for x in case.x:
        from_x = torch["weight_ih"] @ x + torch["bias_ih"]
        from_h = torch["weight_hh"] @ h + torch["bias_hh"]
        if case.kind == "lstm":
            i, f, g, o = np.split(from_x + from_h, 4)
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
            h = sigmoid(o) * np.tanh(c)
            trace.append({"h": h, "c": c, "o": sigmoid(o)})
        else:
            (x_r, x_z, x_n), (h_r, h_z, h_n) = np.split(from_x, 3), np.split(from_h, 3)
            r, z = sigmoid(x_r + h_r), sigmoid(x_z + h_z)
            n = np.tanh(x_n + r * h_n)
            h = (1 - z) * n + z * h
            trace.append({"h": h, "r": r, "z": z, "n": n})
    return trace


def reference_loss(case: Case, p: dict[str, np.ndarray] | None = None) -> float:
    p = case.params if p is None else p
    torch = torch_layout(case, p)
    hs = [step["h"] for step in run(case, p)]
    losses = []
    for h, y in zip(hs if case.every_step else hs[-1:], case.y, strict=True):
        z = torch["W_y"] @ h + torch["b_y"]
        if case.output == "sigmoid":
            q = sigmoid(z)
            losses.append(-float(np.sum(y * np.log(q) + (1 - y) * np.log(1 - q))))
        elif case.output == "softmax":
            losses.append(-float(np.sum(y * (z - math.log(np.exp(z).sum())))))
        else:
            losses.append(float(np.mean((z - y) ** 2)))
    return sum(losses) / len(losses)


def finite_difference(case: Case, name: str) -> np.ndarray:
    grad = np.zeros_like(case.params[name])
    for index in np.ndindex(grad.shape):
        values = []
        for sign in (1, -1):
            p = {k: v.copy() for k, v in case.params.items()}
            p[name][index] += sign * EPS
            values.append(reference_loss(case, p))
        grad[index] = (values[0] - values[1]) / (2 * EPS)
    return grad


def make_case(kind: str, seed: int, convention: str, stacked: bool, every_step: bool, output: str, loss: str) -> Case:
    """A random network of 1 to 3 hidden units over 3 steps of 2 inputs; some biases and initial states left out."""
    rng = np.random.default_rng(seed)
    gates = GATES[kind]
    T, n_in, H = 3, 2, int(rng.integers(1, 4))
    K = 1 if output == "sigmoid" else (2 if output == "softmax" else int(rng.integers(1, 3)))

    def weights(into: int, out_of: int) -> np.ndarray:
        return rng.uniform(-1, 1, (out_of, into) if convention == "row" else (into, out_of))

    if stacked:
        params = {
            "weight_ih": rng.uniform(-1, 1, (len(gates) * H, n_in)),
            "weight_hh": rng.uniform(-1, 1, (len(gates) * H, H)),
            "bias_ih": rng.uniform(-1, 1, len(gates) * H),
            "bias_hh": rng.uniform(-1, 1, len(gates) * H),
        }
    else:
        params = {}
        biases = [f"b_{g}" for g in gates] + (["b_hn"] if kind == "gru" else [])
        for g in gates:
            params |= {f"W_{g}": weights(H, n_in), f"U_{g}": weights(H, H)}
        params |= {b: rng.uniform(-1, 1, H) for b in biases if rng.random() < 0.7}
    params["W_y"] = weights(K, H)
    if rng.random() < 0.5:
        params["b_y"] = rng.uniform(-1, 1, K)

    def target() -> np.ndarray:
        if output == "sigmoid":
            return rng.integers(0, 2, K).astype(float)
        if output == "softmax":
            return np.eye(K)[rng.integers(K)]
        return rng.uniform(-1, 1, K)

    states = ("h0", "c0") if kind == "lstm" else ("h0",)
    initial = {name: rng.uniform(-1, 1, H) for name in states if rng.random() < 0.5}
    x = [rng.uniform(-1, 1, n_in) for _ in range(T)]
    y = [target() for _ in range(T if every_step else 1)]
    return Case(kind, convention, stacked, output, loss, every_step, params, x, y, initial)


LAYOUTS = [("column", False), ("row", False), ("column", True)]


def cases(kind: str) -> tuple[list[Case], list[str]]:
    """Every layout × many-to-one / many-to-many × output, and their test ids."""
    made = [
        make_case(kind, seed, convention, stacked, every_step, output, loss)
        for seed, ((convention, stacked), every_step, (output, loss)) in enumerate(
            (layout, every, out) for layout in LAYOUTS for every in (False, True) for out in OUTPUTS
        )
    ]
    ids = [
        f"{c.convention}-{'stacked' if c.stacked else 'per_gate'}-{'m2m' if c.every_step else 'm2o'}-{c.output}"
        for c in made
    ]
    return made, ids
