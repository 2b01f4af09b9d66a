"""Batches of sequences in rnn, lstm and gru: the batch's loss and every gradient against independent references.

The references are the single-sequence ones (test_rnn's plain loops for rnn, PyTorch's documented
equations in tests/gated_reference.py for lstm and gru), run once per example with the weights
shared.  Their per-output losses are added up over the whole batch and divided by the number of
outputs, B·T, for a mean (PyTorch's ``reduction='mean'``), not by anything the kinds compute;
gradients are central differences of that batch loss.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace

import numpy as np
import pytest
import yaml
from conftest import PROBLEMS
from gated_reference import GATES, make_case
from gated_reference import Case as GatedCase
from gated_reference import reference_loss as gated_loss
from test_rnn import Case as RnnCase
from test_rnn import reference_loss as rnn_loss

from solver.graph.errors import InputError
from solver.kinds.recurrent import gru, lstm, rnn
from solver.kinds.recurrent.batch import CellExample, Example
from solver.math.limits import MAX_BATCH_SEQUENCES

EPS = 1e-6
TOLERANCE = 1e-6
MODULES = {"rnn": rnn, "lstm": lstm, "gru": gru}


# ---------------------------------------------------------------- the batch reference


def batch_loss(sequences: list, reduction: str, params: dict[str, np.ndarray] | None = None) -> float:
    """Every output's loss over every sequence, summed, and divided by their count for a mean."""
    total, outputs = 0.0, 0
    for case in sequences:
        case = case if params is None else replace(case, params=params)
        mean = rnn_loss(case) if isinstance(case, RnnCase) else gated_loss(case)
        total += mean * len(case.y)
        outputs += len(case.y)
    return total / outputs if reduction == "mean" else total


def batch_finite_difference(sequences: list, reduction: str, name: str) -> np.ndarray:
    params = sequences[0].params
    grad = np.zeros_like(params[name])
    for index in np.ndindex(grad.shape):
        values = []
        for sign in (1, -1):
            p = {k: v.copy() for k, v in params.items()}
            p[name][index] += sign * EPS
            values.append(batch_loss(sequences, reduction, p))
        grad[index] = (values[0] - values[1]) / (2 * EPS)
    return grad


# ---------------------------------------------------------------- batches of random sequences


def targets(rng: np.random.Generator, output: str, size: int, count: int) -> list[np.ndarray]:
    if output == "sigmoid":
        return [rng.integers(0, 2, size).astype(float) for _ in range(count)]
    if output == "softmax":
        return [np.eye(size)[rng.integers(size)] for _ in range(count)]
    return [rng.uniform(-1, 1, size) for _ in range(count)]


def rnn_batch(seed: int, convention: str, every_step: bool, output: str, loss: str) -> list[RnnCase]:
    """Three sequences of 3 steps of 2 inputs through one RNN of 2 hidden units; the second has its own h0."""
    rng = np.random.default_rng(seed)
    K = 1 if output == "sigmoid" else 2

    def weights(into: int, out_of: int) -> np.ndarray:
        return rng.uniform(-1, 1, (out_of, into) if convention == "row" else (into, out_of))

    params = {"W_x": weights(2, 2), "W_h": weights(2, 2), "W_y": weights(K, 2), "b_h": rng.uniform(-1, 1, 2)}
    params |= {"b_y": rng.uniform(-1, 1, K)} if seed % 2 else {}
    return [
        RnnCase(
            convention, "tanh", output, loss, every_step, params,
            rng.uniform(-1, 1, 2) if number == 2 else None,
            [rng.uniform(-1, 1, 2) for _ in range(3)],
            targets(rng, output, K, 3 if every_step else 1),
        )
        for number in range(1, 4)
    ]  # fmt: skip


def gated_batch(kind: str, seed: int, convention: str, stacked: bool, every_step: bool) -> list[GatedCase]:
    """gated_reference's random network, with two more sequences of its sizes (and initial states of their own)."""
    first = make_case(kind, seed, convention, stacked, every_step, "linear", "mse")
    rng = np.random.default_rng(seed + 100)
    H, K = first.params["W_y"].shape[0 if convention == "row" else 1], len(first.y[0])
    others = [
        replace(
            first,
            x=[rng.uniform(-1, 1, len(first.x[0])) for _ in first.x],
            y=targets(rng, "linear", K, len(first.y)),
            initial={name: rng.uniform(-1, 1, H) for name in ("h0", "c0")[: 2 if kind == "lstm" else 1]},
        )
        for _ in range(2)
    ]
    return [first, *others]


def batch_given(kind: str, sequences: list, reduction: str) -> object:
    """The kind's Given of the batch: the shared weights, and each sequence as an example {x, y, h0?, c0?}."""
    first = sequences[0]
    examples = []
    example = CellExample if kind == "lstm" else Example
    for case in sequences:
        initial = case.initial if isinstance(case, GatedCase) else {} if case.h0 is None else {"h0": case.h0}
        examples.append(
            example(
                x=[v.tolist() for v in case.x],
                y=[v.tolist() for v in case.y] if case.every_step else case.y[0].tolist(),
                **{name: value.tolist() for name, value in initial.items()},
            )
        )
    extra = {"activation": first.activation} if kind == "rnn" else {}
    return MODULES[kind].Given(
        **{name: value.tolist() for name, value in first.params.items()},
        batch=examples,
        convention=first.convention,
        output=first.output,
        outputs="every_step" if first.every_step else "last",
        loss=first.loss,
        reduction=reduction,
        **extra,
    )


RNN_BATCHES = [
    (rnn_batch(seed, convention, every, output, loss), reduction)
    for seed, (convention, every, (output, loss), reduction) in enumerate(
        (c, e, o, r)
        for c in ("row", "column")
        for e in (False, True)
        for o in (("linear", "mse"), ("softmax", "cross_entropy"))
        for r in ("mean", "sum")
    )
]
GATED_BATCHES = [
    (kind, gated_batch(kind, seed, convention, stacked, every), reduction)
    for seed, (kind, (convention, stacked), every, reduction) in enumerate(
        (k, layout, e, r)
        for k in GATES
        for layout in (("column", False), ("row", False), ("column", True))
        for e in (False, True)
        for r in ("mean", "sum")
    )
]


def value(solution, name: str) -> np.ndarray:
    return np.asarray(solution[name].value, dtype=float)


def check_against_reference(kind: str, sequences: list, reduction: str, solution=None) -> None:
    """The batch's loss and every weight's gradient (of ``solution``, or of the batch solved here) vs the reference."""
    solution = solution or MODULES[kind].solve(batch_given(kind, sequences, reduction))
    assert value(solution, "loss") == pytest.approx(batch_loss(sequences, reduction), rel=1e-12)
    for name, param in sequences[0].params.items():
        computed = value(solution, f"dL/d{name}").reshape(param.shape)
        expected = batch_finite_difference(sequences, reduction, name)
        np.testing.assert_allclose(computed, expected, atol=TOLERANCE, rtol=TOLERANCE, err_msg=name)


@pytest.mark.parametrize(("sequences", "reduction"), RNN_BATCHES)
def test_rnn_batch_loss_and_gradients_agree_with_central_differences(sequences, reduction):
    check_against_reference("rnn", sequences, reduction)


@pytest.mark.parametrize(("kind", "sequences", "reduction"), GATED_BATCHES)
def test_gated_batch_loss_and_gradients_agree_with_central_differences(kind, sequences, reduction):
    check_against_reference(kind, sequences, reduction)


@pytest.mark.parametrize("every_step", [False, True])
def test_a_single_sequence_sums_over_the_steps_when_asked(every_step):
    (case, *_) = rnn_batch(7, "row", every_step, "linear", "mse")
    solution = rnn.solve(replace(case.given(), reduction="sum"))
    assert value(solution, "loss") == pytest.approx(batch_loss([case], "sum"), rel=1e-12)
    for name, param in case.params.items():
        expected = batch_finite_difference([case], "sum", name)
        np.testing.assert_allclose(value(solution, f"dL/d{name}").reshape(param.shape), expected, atol=TOLERANCE)


@pytest.mark.parametrize("kind", MODULES)
def test_a_batch_of_one_is_the_single_sequence_worked_again(kind):
    sequences = (
        rnn_batch(3, "column", True, "linear", "mse") if kind == "rnn" else gated_batch(kind, 3, "column", False, True)
    )
    case = sequences[1]  # the one with initial states of its own
    single = MODULES[kind].solve(case.given() if kind == "rnn" else case.given(MODULES[kind].Given))
    batch = MODULES[kind].solve(batch_given(kind, [case], "mean"))
    for step in single:
        if step.name.startswith("dL/d") and step.name[4:] in case.params:  # the batch's own gradient: (1/1)·Σ
            renamed = step.name
        elif step.name.startswith("d"):
            top, bottom = step.name[1:].split("/d")
            renamed = f"d{top}_ex1/d{bottom if bottom in case.params or '_path' in bottom else bottom + '_ex1'}"
        else:
            renamed = step.name if step.name in case.params else f"{step.name}_ex1"
        np.testing.assert_allclose(value(batch, renamed), value(single, step.name), rtol=1e-12, err_msg=step.name)
    assert value(batch, "loss") == pytest.approx(value(single, "loss"), rel=1e-12)


def test_the_examples_gradients_are_steps_the_batch_combines():
    sequences, _ = RNN_BATCHES[0]
    solution = rnn.solve(batch_given("rnn", sequences, "mean"))
    step = solution["dL/dW_h"]
    assert step.deps == ("dL_ex1/dW_h", "dL_ex2/dW_h", "dL_ex3/dW_h")
    assert step.formula.show("text", {}) == "(1/3)·({dL_ex1/dW_h} + {dL_ex2/dW_h} + {dL_ex3/dW_h})"
    # Each example's gradient is its own BPTT: the central difference of its own loss.
    for number, case in enumerate(sequences, start=1):
        np.testing.assert_allclose(
            value(solution, f"dL_ex{number}/dW_h"), batch_finite_difference([case], "mean", "W_h"), atol=TOLERANCE
        )


def test_the_loss_says_what_it_reduces():
    sequences, _ = RNN_BATCHES[4]  # row, many-to-many
    assert sequences[0].every_step
    mean = rnn.solve(batch_given("rnn", sequences, "mean"))["loss"]
    total = rnn.solve(batch_given("rnn", sequences, "sum"))["loss"]
    assert mean.title == "loss of the batch: the mean of the 3 examples' losses, each the mean over its 3 steps — " \
        "the mean over all 9 outputs"  # fmt: skip
    assert mean.formula.show("text", {}) == "(1/3)·({loss_ex1} + {loss_ex2} + {loss_ex3})"
    assert "the sum over all 9 outputs" in total.title
    assert total.formula.show("text", {}) == "{loss_ex1} + {loss_ex2} + {loss_ex3}"


def test_the_reduction_slip_of_a_many_to_many_batch_says_it_counts_every_output():
    sequences, _ = RNN_BATCHES[4]  # row, many-to-many: 3 sequences of 3 steps
    solution = rnn.solve(batch_given("rnn", sequences, "mean"))
    loss = solution["loss"]
    slip = next(v for v in loss.variants if v.name == "sum_instead_of_mean")
    assert "9 outputs" in slip.feedback
    each = [value(solution, f"loss_ex{n}") for n in (1, 2, 3)]  # each the mean over its 3 steps
    assert float(solution.evaluate(variant=("loss", slip.name))["loss"]) == pytest.approx(3 * sum(each))


def test_the_names_of_an_example_are_typeset_with_the_example_as_a_superscript():
    from solver.graph.names import latex_name

    assert latex_name("h2_ex1") == "h_{2}^{(1)}"
    assert latex_name("y_hat3_ex2") == r"\hat{y}_{3}^{(2)}"
    assert latex_name("dL_ex1/dW_h") == r"\frac{\partial L^{(1)}}{\partial W_{h}}"


def test_the_update_uses_the_batch_gradient():
    sequences, _ = RNN_BATCHES[4]
    given = replace(batch_given("rnn", sequences, "mean"), learning_rate=0.5)
    solution = rnn.solve(given)
    expected = sequences[0].params["W_x"] - 0.5 * batch_finite_difference(sequences, "mean", "W_x")
    np.testing.assert_allclose(value(solution, "W_x_new").reshape(expected.shape), expected, atol=TOLERANCE)


# ---------------------------------------------------------------- grading, problem files, bad input

BATCH_FILES = [
    PROBLEMS / name
    for name in ("rnn_batch_two_sequences.yaml", "lstm_batch_two_sequences.yaml", "gru_batch_two_sequences.yaml")
]


@pytest.mark.parametrize("path", BATCH_FILES, ids=[p.stem for p in BATCH_FILES])
def test_batch_problem_files_check_cleanly(cli, path):
    result = cli("check", path)
    assert result.code == 0, result.err


def sequences_of(path) -> tuple[str, list, str]:
    """A batch problem file read with YAML alone, as the references' sequences (the weights shared)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    given, kind = data["given"], data["kind"]
    params = {
        name: np.atleast_2d(np.asarray(value, dtype=float)) if name[0] in "WU" else np.atleast_1d(value).astype(float)
        for name, value in given.items()
        if name[0] in "WUb" and name != "batch"
    }
    every_step = given.get("outputs") == "every_step"
    sequences = []
    for example in given["batch"]:
        x = [np.atleast_1d(np.asarray(v, dtype=float)) for v in example["x"]]
        y = [np.atleast_1d(np.asarray(v, dtype=float)) for v in (example["y"] if every_step else [example["y"]])]
        initial = {
            name: np.atleast_1d(np.asarray(example[name], dtype=float)) for name in ("h0", "c0") if name in example
        }
        common = {"convention": given.get("convention", "row" if kind == "rnn" else "column"),
                  "output": given.get("output", "linear"), "loss": given.get("loss", "mse"),
                  "every_step": every_step, "params": params, "x": x, "y": y}  # fmt: skip
        if kind == "rnn":
            sequences.append(RnnCase(activation=given["activation"], h0=initial.get("h0"), **common))
        else:
            sequences.append(GatedCase(kind=kind, stacked=False, initial=initial, **common))
    return kind, sequences, given.get("reduction", "mean")


@pytest.mark.parametrize("path", BATCH_FILES, ids=[p.stem for p in BATCH_FILES])
def test_batch_problem_files_agree_with_the_references(path):
    from solver.files.problem_file import load_problem

    kind, sequences, reduction = sequences_of(path)
    check_against_reference(kind, sequences, reduction, load_problem(path).solve())


def test_the_grader_names_a_sum_where_the_batch_averages_and_an_examples_own_mistake(cli, tmp_path):
    problem = PROBLEMS / "rnn_batch_two_sequences.yaml"
    _, sequences, reduction = sequences_of(problem)
    assert reduction == "mean"
    summed = batch_loss(sequences, "sum")  # the sum over every output, where the problem asks for their mean
    # Example 1's dL/dW_h with only the path through its last step: dL/dh3 · tanh'(z3) · h2, by hand.
    from solver.files.problem_file import load_problem

    solution = load_problem(problem).solve()
    h2, h3 = value(solution, "h2_ex1"), value(solution, "h3_ex1")
    last_path = value(solution, "dL_ex1/dh3_ex1") * (1 - h3**2) * h2
    (tmp_path / "hw.yaml").write_text(
        f"title: batch\nproblems:\n  - {{id: q1, file: {problem}, ask: {{loss: 1, dL_ex1/dW_h: 1}}}}\n",
        encoding="utf-8",
    )
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "s1.yaml").write_text(
        f'student: s1\nanswers:\n  q1: {{loss: {summed:.6f}, "dL_ex1/dW_h": {float(last_path):.6f}}}\n'
    )
    result = cli("grade", tmp_path / "hw.yaml", tmp_path / "subs", "--tables")
    assert result.code == 0, result.err
    assert "sum_instead_of_mean" in result.out and "bptt_last_step_only" in result.out


NETWORK = "kind: {kind}\ngiven:\n  W_x: [[1, 0], [0, 1]]\n  W_h: [[0.5, 0], [0, 0.5]]\n  W_y: [1, 1]\n"


@pytest.mark.parametrize(
    ("given_text", "message"),
    [
        ("batch:\n    - {x: [[1, 0], [0, 1]], y: 1}\n    - {x: [[1, 0, 1], [0, 1, 1]], y: 0}",
         "example 2 of the batch has inputs of 3 entries but example 1 has 2"),
        ("batch:\n    - {x: [[1, 0], [0, 1]], y: 1}\n    - {x: [[1, 0]], y: 0}",
         "example 2 of the batch has 1 time step(s) but example 1 has 2; expected sequences of one length"),
        ("outputs: every_step\nbatch:\n    - {x: [[1, 0], [0, 1]], y: [1, 0]}\n    - {x: [[1, 0], [0, 1]], y: [1]}",
         "example 2 of the batch: outputs: every_step needs one target per time step in y; expected 2 targets"),
        ("batch:\n    - {x: [[1, 0], [0, 1]], y: [1, 2]}", "example 1 of the batch: y has 2 entries; expected 1"),
        ("reduction: average\nbatch:\n    - {x: [[1, 0]], y: 1}", "unknown reduction 'average'; expected one of"),
        ("h0: [1, 2, 3]\nbatch:\n    - {x: [[1, 0]], y: 1}", "h0 has 3 entries; expected 2 (the hidden size)"),
        ("batch:\n    - {x: [[1, 0]], y: 1}\n    - {x: [[1, 0]], y: 1, h0: [1]}",
         "example 2 of the batch: h0 has 1 entries; expected 2"),
        ("x: [[1, 0]]\nbatch:\n    - {x: [[1, 0]], y: 1}", "x is given beside batch"),
        ("batch: []", "batch is empty"),
        ("batch:\n    - {x: [[1, 0]], y: 1, c0: [0, 0]}", "c0"),
        ("batch:\n    - {x: [[1, 0]]}", "y"),
    ],
)  # fmt: skip
def test_bad_batches_are_one_located_line(cli, tmp_path, given_text, message):
    path = tmp_path / "batch.yaml"
    path.write_text(NETWORK.format(kind="rnn") + textwrap.indent(given_text, "  ") + "\n", encoding="utf-8")
    result = cli("solve", path)
    assert result.code == 2, result.out
    assert result.err.count("\n") == 1 and result.err.startswith(f"nnsolve: error: {path}:")
    assert message in result.err and "Traceback" not in result.err


def test_an_lstm_example_may_give_its_own_cell_state_of_the_right_size(cli, tmp_path):
    path = tmp_path / "lstm.yaml"
    weights = "".join(f"  W_{g}: [[1, 0], [0, 1]]\n  U_{g}: [[0.5, 0], [0, 0.5]]\n" for g in "ifgo")
    path.write_text(
        "kind: lstm\ngiven:\n" + weights + "  W_y: [[1, 1]]\n  batch:\n"
        "    - {x: [[1, 0]], y: 1, c0: [0.5, 0.5]}\n    - {x: [[0, 1]], y: 0, c0: [1, 2, 3]}\n",
        encoding="utf-8",
    )
    result = cli("solve", path)
    assert result.code == 2 and "example 2 of the batch: c0 has 3 entries; expected 2" in result.err


def test_the_batch_size_and_its_work_are_bounded_before_any_step():
    sequences, _ = RNN_BATCHES[0]
    given = batch_given("rnn", sequences, "mean")
    with pytest.raises(InputError) as too_many:
        rnn.solve(replace(given, batch=given.batch * (MAX_BATCH_SEQUENCES // 3 + 1)))
    assert "sequences in the batch" in too_many.value.message and too_many.value.field == "batch"
    long = replace(given.batch[0], x=given.batch[0].x * 200)  # 600 steps: alone within the limit, twice over it
    with pytest.raises(InputError) as too_long:
        rnn.solve(replace(given, batch=[long, long]))
    assert "time steps over the whole batch" in too_long.value.message
