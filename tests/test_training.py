"""Training runs of kind mlp: every step's parameters reported, the sheet's table, frozen parameters.

The reference is plain gradient descent on one linear layer with the summed
squared error, its gradient written out here (dL/dW = 2(Wx + b − y)xᵀ).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from solver.graph.errors import InputError
from solver.kinds import kind_module

MLP = kind_module("mlp")
W0 = np.array([[0.5, -0.3, 0.8], [0.1, 0.4, -0.6]])
B0 = np.array([0.2, -0.1])
X = np.array([1.0, -2.0, 0.5])
Y = np.array([0.3, -0.7])
RATE = 0.05

LINEAR_YAML = """kind: mlp
given:
  x: [1.0, -2.0, 0.5]
  y: [0.3, -0.7]
  loss: sse
  layers: [{weights: [[0.5, -0.3, 0.8], [0.1, 0.4, -0.6]], bias: [0.2, -0.1], activation: linear}]
"""


def solve(steps: int, **extra: object) -> object:
    layer = MLP.LayerGiven(weights=W0.tolist(), bias=B0.tolist(), activation="linear")
    given = MLP.Given(layers=[layer], x=X.tolist(), y=Y.tolist(), loss="sse", learning_rate=RATE, steps=steps, **extra)
    return MLP.solve(given)


def descend(steps: int, train_bias: bool = True) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """(W, b, loss before the step) for each step of plain gradient descent, by hand."""
    w, b, run = W0.copy(), B0.copy(), []
    for _ in range(steps):
        error = w @ X + b - Y
        run.append((w, b, float(error @ error)))
        w = w - RATE * 2 * np.outer(error, X)
        b = b - RATE * 2 * error if train_bias else b
    run.append((w, b, float((w @ X + b - Y) @ (w @ X + b - Y))))
    return run


def test_every_steps_parameters_and_loss_are_steps():
    solution = solve(6)
    run = descend(6)
    for t in range(1, 7):
        suffix = "" if t == 1 else f"_t{t}"
        np.testing.assert_allclose(solution[f"W1_new{suffix}"].value, run[t][0], rtol=1e-12)
        np.testing.assert_allclose(solution[f"b1_new{suffix}"].value, run[t][1], rtol=1e-12)
    assert [solution[f"loss_t{t}"].value for t in range(2, 7)] == pytest.approx([r[2] for r in run[1:6]], rel=1e-12)
    assert solution["loss_final"].value == pytest.approx(run[6][2], rel=1e-12)
    assert solution["loss_history"].value == pytest.approx([r[2] for r in run], rel=1e-12)


def test_the_training_table_has_a_row_per_step_with_the_loss_before_and_the_parameters_after():
    solution = solve(6)
    (table,) = solution.tables
    assert [c.title for c in table.columns] == ["step", "loss before", "W1 after", "b1 after"]
    run = descend(6)
    assert [row[0] for row in table.rows] == [1, 2, 3, 4, 5, 6]
    for row, before, after in zip(table.rows, run, run[1:], strict=False):
        assert row[1] == pytest.approx(before[2], rel=1e-12)
        np.testing.assert_allclose(row[2], after[0], rtol=1e-12)


def test_the_sheet_works_two_steps_tables_the_rest_and_shows_the_end(cli, tmp_path: Path):
    path = tmp_path / "run.yaml"
    path.write_text(LINEAR_YAML + "  optimizer: {name: momentum, lr: 0.05, momentum: 0.5}\n  steps: 6\n", "utf-8")
    out = cli("solve", path).out
    assert "Training" in out
    worked = {line.split(" = ")[0].strip() for line in out.splitlines() if " = " in line}
    assert {"W1_new", "v_W1_t2", "W1_new_t2", "W1_new_t6", "loss_final"} <= worked
    assert not {"W1_new_t3", "v_W1_t4", "dL/dW1_t5", "loss_t6", "W1_new_t5"} & worked
    assert "W1_new_t3 =" not in cli("solve", path, "--full").out  # a table row, not a step, even in full
    published = {step["name"] for step in json.loads(cli("solve", path, "--json").out)["steps"]}
    assert {"W1_new_t3", "v_W1_t4", "dL/dW1_t5", "loss_t6"} <= published  # every value is data


def test_a_long_runs_loss_history_is_left_to_the_table_and_the_data(cli, tmp_path: Path):
    path = tmp_path / "run.yaml"
    path.write_text(LINEAR_YAML + "  learning_rate: 0.05\n  steps: 25\n", "utf-8")
    out = cli("solve", path).out
    # 26 losses would be one long line (a column of 10,001 for steps: 10000); the table has every loss before
    assert "loss_history =" not in out and "loss_final =" in out and "loss before" in out
    answers = json.loads(cli("solve", path, "--json").out)["answers"]
    assert len(answers["loss_history"]) == 26
    short = tmp_path / "short.yaml"
    short.write_text(LINEAR_YAML + "  learning_rate: 0.05\n  steps: 6\n", "utf-8")
    assert "loss_history =" in cli("solve", short).out


def test_a_student_is_graded_on_a_later_step_from_their_own_earlier_one(tmp_path: Path):
    from grader.answers import read_submission
    from grader.grading import grade_submission
    from grader.homework import load_homework
    from grader.prepare import prepare

    problem = LINEAR_YAML.replace("given:", "given:\n  learning_rate: 0.05\n  steps: 3", 1)
    indented = "\n".join("      " + line for line in problem.splitlines())
    (tmp_path / "hw.yaml").write_text(
        f"title: t\ngrading: {{round_intermediates: 0}}\nproblems:\n  - id: q\n    problem:\n{indented}\n"
        "    ask: {W1_new_t2: 1, W1_new_t3: 1}\n",
        encoding="utf-8",
    )
    slipped = descend(3)[2][0] + 0.5  # a wrong W after step 2, then step 3 worked right from it
    error = slipped @ X + descend(3)[2][1] - Y
    from_slip = slipped - RATE * 2 * np.outer(error, X)
    answers = {"q": {"W1_new_t2": slipped.tolist(), "W1_new_t3": from_slip.tolist()}}
    (tmp_path / "s.yaml").write_text(json.dumps({"student": "s", "answers": answers}), encoding="utf-8")
    graded = grade_submission(prepare(load_homework(tmp_path / "hw.yaml")), read_submission(tmp_path / "s.yaml"))
    statuses = {item.step: item.status for item in graded.items}
    assert statuses == {"W1_new_t2": "wrong", "W1_new_t3": "carried_forward"}


# --- frozen parameters -----------------------------------------------------------------------------------


@pytest.mark.parametrize("which", [{"frozen": ["b1"]}, {"train": ["W1"]}])
def test_a_frozen_parameter_has_no_update_and_stays_as_given(which):
    solution = solve(4, **which)
    assert not any(step.name.startswith(("b1_new", "dL/db1_t")) for step in solution)
    run = descend(4, train_bias=False)
    np.testing.assert_allclose(solution["W1_new_t4"].value, run[4][0], rtol=1e-12)
    assert solution["loss_final"].value == pytest.approx(run[4][2], rel=1e-12)
    assert "b1" in solution["loss_t2"].deps  # every pass reads the bias as given
    assert [c.title for c in solution.tables[0].columns] == ["step", "loss before", "W1 after"]


def test_freezing_with_an_optimizer_freezes_its_state_too():
    solution = solve(2, frozen=["W1"], optimizer=MLP.OptimizerGiven(name="adam"))
    assert {"m_b1", "b1_new_t2"} <= {step.name for step in solution}
    assert not any("W1_" in step.name or step.name == "m_W1" for step in solution)


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ({"frozen": ["b2"]}, "frozen.0", "'b2' is not a parameter of this network; expected one of: W1, b1"),
        ({"train": ["W1", "c1"]}, "train.1", "'c1' is not a parameter"),
        ({"frozen": ["b1"], "train": ["W1"]}, "train", "frozen and train are both given"),
    ],
)
def test_a_parameter_list_naming_no_parameter_is_refused(extra, field, words):
    with pytest.raises(InputError) as raised:
        solve(2, **extra)
    assert raised.value.field == field and words in str(raised.value)


def test_a_run_too_long_for_its_network_is_refused_before_it_is_worked():
    """10,000 steps of 2 × 3 + 2 parameters is 80,000 values a step: within bounds; a wide layer is not."""
    assert "loss_final" in solve(3)
    wide = MLP.LayerGiven(weights=np.full((400, 3), 0.01).tolist(), bias=[0.0] * 400, activation="linear")
    given = MLP.Given(layers=[wide], x=X.tolist(), y=[0.0] * 400, loss="sse", learning_rate=RATE, steps=1000)
    with pytest.raises(InputError) as raised:
        MLP.solve(given)
    assert raised.value.field == "steps" and "training steps × trained parameters: 1,600,000" in str(raised.value)


def test_symbolic_mode_refuses_an_optimizer_in_one_line():
    layer = MLP.LayerGiven(units=1, activation="tanh")
    given = MLP.Given(layers=[layer], symbolic=True, inputs=2, loss="mse", optimizer="adam")
    with pytest.raises(InputError, match="optimizer is not worked in symbols"):
        MLP.solve(given)


def test_a_run_that_overflows_names_the_training_step(cli, tmp_path: Path):
    path = tmp_path / "run.yaml"
    path.write_text(LINEAR_YAML + "  optimizer: {name: sgd, lr: 1.0e+300}\n  steps: 3\n", "utf-8")
    result = cli("solve", path)
    assert result.code == 2 and result.err.count("\n") == 1
    assert "loss_t2 (loss before step 2): step loss (sse loss) is not a finite number" in result.err
