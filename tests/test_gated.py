"""Kinds lstm and gru: every state against PyTorch's documented equations, every gradient against central differences.

The reference (tests/gated_reference.py) computes as torch.nn.LSTM and torch.nn.GRU do, one
stacked product per step cut into the gates; the kinds compute gate by gate.  Each kind is run
in every layout (one matrix per gate in both conventions, PyTorch's stacked weights),
many-to-one and many-to-many, with each output and its loss.
"""

from __future__ import annotations

import numpy as np
import pytest
from gated_reference import GATES, Case, cases, finite_difference, reference_loss, run, torch_layout

from solver.kinds.recurrent import gru, lstm

TOLERANCE = 1e-6
MODULES = {"lstm": lstm, "gru": gru}
ALL = [(kind, case, f"{kind}-{name}") for kind in MODULES for case, name in zip(*cases(kind), strict=True)]


def solved(case: Case):
    module = MODULES[case.kind]
    return module.solve(case.given(module.Given))


def value(solution, name: str) -> np.ndarray:
    return np.asarray(solution[name].value, dtype=float)


@pytest.mark.parametrize("case", [c for _, c, _ in ALL], ids=[i for _, _, i in ALL])
def test_states_and_gates_follow_pytorchs_equations(case):
    solution = solved(case)
    for t, step in enumerate(run(case), start=1):
        for name, expected in step.items():
            np.testing.assert_allclose(value(solution, f"{name}{t}").reshape(-1), expected, rtol=1e-12, atol=1e-14)
    assert value(solution, "loss") == pytest.approx(reference_loss(case), rel=1e-12)


@pytest.mark.parametrize("case", [c for _, c, _ in ALL], ids=[i for _, _, i in ALL])
def test_every_gradient_agrees_with_central_differences(case):
    solution = solved(case)
    for name, param in case.params.items():
        computed = value(solution, f"dL/d{name}").reshape(param.shape)
        np.testing.assert_allclose(
            computed, finite_difference(case, name), atol=TOLERANCE, rtol=TOLERANCE, err_msg=name
        )


@pytest.mark.parametrize("kind", MODULES)
def test_the_two_layouts_give_the_same_numbers(kind):
    per_gate = next(c for _, c, _ in ALL if c.kind == kind and not c.stacked and c.convention == "column")
    torch = torch_layout(per_gate, per_gate.params)
    stacked = Case(**{**per_gate.__dict__, "stacked": True})
    stacked = stacked.with_params({k: torch[k] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "W_y")})
    one, other = solved(per_gate), solved(stacked)
    second = GATES[kind][1]
    for name in ("h3", "loss", f"dL/dW_{second}", f"dL/dU_{second}", f"{second}2"):
        np.testing.assert_allclose(value(one, name), value(other, name), rtol=1e-12, err_msg=name)
    H = torch["weight_hh"].shape[1]
    np.testing.assert_allclose(value(other, "dL/dweight_ih")[H : 2 * H], value(one, f"dL/dW_{second}"), rtol=1e-12)


@pytest.mark.parametrize("kind", MODULES)
def test_one_step_of_gradient_descent_updates_every_parameter(kind):
    case = next(c for _, c, _ in ALL if c.kind == kind and c.stacked)
    module = MODULES[kind]
    given = case.given(module.Given)
    given.learning_rate = 0.1
    solution = module.solve(given)
    for name, param in case.params.items():
        np.testing.assert_allclose(
            value(solution, f"{name}_new").reshape(param.shape),
            param - 0.1 * finite_difference(case, name),
            atol=TOLERANCE,
            err_msg=name,
        )


@pytest.mark.parametrize("kind", MODULES)
def test_the_work_guard_fires_before_any_step(kind):
    from solver.graph.errors import InputError
    from solver.math.limits import MAX_HIDDEN, MAX_RNN_WORK

    module = MODULES[kind]
    square = np.zeros((MAX_HIDDEN, MAX_HIDDEN)).tolist()
    column = np.zeros((MAX_HIDDEN, 1)).tolist()
    steps = MAX_RNN_WORK // MAX_HIDDEN**3 + 1
    weights = {f"{m}_{g}": square if m == "U" else column for g in GATES[kind] for m in ("W", "U")}
    given = module.Given(**weights, x=[0.0] * steps, W_y=[[0.0] * MAX_HIDDEN], y=0.0)
    with pytest.raises(InputError) as refused:
        module.solve(given)
    assert "the work of BPTT (time steps × hidden units³)" in str(refused.value)
    assert refused.value.field == f"U_{GATES[kind][0]}"


@pytest.mark.parametrize("kind", MODULES)
def test_the_schema_describes_every_field(cli, kind):
    import json

    result = cli("schema", "--kind", kind)
    assert result.code == 0, result.err
    text = json.loads(result.out)
    found = []

    def given_properties(node):  # the object whose properties hold W_y
        if isinstance(node, dict):
            if "W_y" in node.get("properties", {}):
                found.append(node["properties"])
            for child in node.values():
                given_properties(child)
        elif isinstance(node, list):
            for child in node:
                given_properties(child)

    given_properties(text)
    (properties,) = found
    assert "weight_ih" in properties and f"W_{GATES[kind][0]}" in properties
    assert [name for name, field in properties.items() if not field.get("description")] == []


def test_the_grader_names_each_gated_mistake(cli, tmp_path):
    from conftest import PROBLEMS

    (tmp_path / "hw.yaml").write_text(
        "title: gated\nproblems:\n"
        f"  - {{id: q1, file: {PROBLEMS / 'lstm_three_steps_scalar.yaml'}, ask: {{dL/dc1: 1}}}}\n"
        f"  - {{id: q2, file: {PROBLEMS / 'gru_one_step_other_update_convention.yaml'}, ask: {{h1: 1}}}}\n",
        encoding="utf-8",
    )
    # dL/dc1 through h1 alone (-0.0430209 · 0.689974 · (1 − tanh²(0.390214))); h1 with z and 1 − z swapped.
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "s1.yaml").write_text(
        'student: s1\nanswers:\n  q1: {"dL/dc1": -0.025585}\n  q2: {h1: [0.200865, 0.139052]}\n', encoding="utf-8"
    )
    result = cli("grade", tmp_path / "hw.yaml", tmp_path / "subs", "--tables")
    assert result.code == 0, result.err
    assert "mistake: lstm_cell_path_dropped" in result.out
    assert "mistake: gru_update_gate_swapped" in result.out
