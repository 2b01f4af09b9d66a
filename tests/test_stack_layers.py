"""conv-stack's embedding, recurrent and normalization layers, counted as PyTorch and as Keras count them.

The references are the frameworks' documented weight shapes, multiplied out here: PyTorch's
``weight_ih_l0`` (gates·hidden × input), ``weight_hh_l0`` (gates·hidden × hidden), ``bias_ih_l0``
and ``bias_hh_l0`` (gates·hidden each); Keras' ``kernel`` (input × gates·units),
``recurrent_kernel`` (units × gates·units) and ``bias`` (gates·units, or 2 × gates·units for a
GRU with reset_after); batch norm's γ, β (trained) and running mean and variance (not trained).
The published Keras summaries are checked through their problem files.
"""

from __future__ import annotations

from math import prod

import pytest
from conftest import PROBLEMS

from solver.kinds.sizes import conv_stack

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def pytorch_weights(word: str, inputs: int, hidden: int) -> dict[str, tuple[int, ...]]:
    g = GATES[word]
    return {
        "weight_ih_l0": (g * hidden, inputs),
        "weight_hh_l0": (g * hidden, hidden),
        "bias_ih_l0": (g * hidden,),
        "bias_hh_l0": (g * hidden,),
    }


def keras_weights(word: str, inputs: int, units: int, reset_after: bool = True) -> dict[str, tuple[int, ...]]:
    g = GATES[word]
    bias = (2, g * units) if word == "gru" and reset_after else (g * units,)
    return {"kernel": (inputs, g * units), "recurrent_kernel": (units, g * units), "bias": bias}


def total(weights: dict[str, tuple[int, ...]]) -> int:
    return sum(prod(shape) for shape in weights.values())


def solve(input: str, *layers: str, framework: str = "pytorch"):
    return conv_stack.solve(conv_stack.Given(input=input, layers=list(layers), framework=framework))


@pytest.mark.parametrize("word", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize(("inputs", "units"), [(8, 16), (64, 128), (3, 1)])
def test_recurrent_layers_count_as_the_frameworks_document(word, inputs, units):
    for framework, expected in (
        ("pytorch", total(pytorch_weights(word, inputs, units))),
        ("keras", total(keras_weights(word, inputs, units))),
    ):
        solution = solve("30", f"embedding v=100 n={inputs}", f"{word} n={units}", framework=framework)
        assert solution["params2"].value == expected, framework


@pytest.mark.parametrize("word", ["rnn", "lstm"])
def test_the_two_bias_vectors_of_pytorch_are_named_where_keras_counts_otherwise(word):
    solution = solve("30", "embedding v=100 n=8", f"{word} n=16")
    keras = total(keras_weights(word, 8, 16))
    assert "Keras counts" in solution["params2"].note and f"{keras:,}" in solution["params2"].note
    assert "two bias vectors" in solution["params2"].note


@pytest.mark.parametrize("word", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize(("framework", "other"), [("pytorch", keras_weights), ("keras", pytorch_weights)])
def test_the_other_frameworks_count_is_a_named_mistake_carried_into_the_total(word, framework, other):
    # Keras' GRU (reset_after=True) counts as PyTorch does: there is no slip to name.
    solution = solve("30", "embedding v=100 n=8", f"{word} n=16", framework=framework)
    slip = ("params2", "counted_as_other_framework")
    if word == "gru":
        assert not solution["params2"].variants
        return
    theirs = total(other(word, 8, 16))
    assert solution.evaluate(variant=slip)["params2"] == theirs
    assert solution.evaluate(variant=slip)["total_params"] == 100 * 8 + theirs


def test_batch_norms_running_statistics_counted_as_parameters_is_a_named_mistake():
    solution = solve("8x8x3", "conv k=3 n=5", "batchnorm", "flatten", "dense n=2")
    counted = solution.evaluate(variant=("params2", "running_statistics_counted"))
    # γ, β, running mean and running variance: four vectors of one entry per channel.
    assert counted["params2"] == 4 * 5 and counted["total_params"] == solution["total_params"].value + 2 * 5


def test_keras_gru_without_reset_after_keeps_one_bias_per_gate():
    solution = solve("30", "embedding v=100 n=8", "gru n=16 reset_after=0", framework="keras")
    assert solution["params2"].value == total(keras_weights("gru", 8, 16, reset_after=False))
    assert "reset_after=False" in solution["params2"].note
    assert solve("30", "embedding v=100 n=8", "gru n=16", framework="keras")["params2"].note is None


def test_recurrent_layers_without_bias():
    weights = pytorch_weights("lstm", 8, 16)
    solution = solve("30", "embedding v=100 n=8", "lstm n=16 bias=0")
    assert solution["params2"].value == weights["weight_ih_l0"][0] * (8 + 16)


def test_sequence_shapes_follow_return_sequences():
    solution = solve("50", "embedding v=1000 n=32", "lstm n=20 seq=1", "gru n=10", "dense n=2")
    assert solution["out1"].value == (50, 32)
    assert solution["out2"].value == (50, 20)
    assert solution["out3"].value == (10,)
    assert solution["params1"].value == 1000 * 32


def test_batchnorm_running_statistics_are_non_trainable():
    solution = solve("28x28x3", "conv k=3 n=32", "batchnorm", "flatten", "dense n=10", framework="keras")
    # Keras' BatchNormalization(32): gamma, beta trainable, moving_mean, moving_variance not, 32 each.
    assert solution["params2"].value == 2 * 32
    assert solution["non_trainable_params"].value == 2 * 32
    conv, dense = 3 * 3 * 3 * 32 + 32, 26 * 26 * 32 * 10 + 10
    assert solution["total_params"].value == conv + 2 * 32 + dense
    footer = solution.tables[0].footer
    assert f"Total params: {conv + 4 * 32 + dense:,}" in footer and "Non-trainable params: 64" in footer
    assert "4·32 = 128" in solution["params2"].note


def test_layernorm_scales_and_shifts_each_feature():
    solution = solve("12", "embedding v=50 n=6", "layernorm")
    assert solution["params2"].value == 2 * 6
    assert "non_trainable_params" not in solution.steps


def test_a_stack_without_batch_norm_keeps_its_summary():
    footer = solve("8x8x1", "conv k=3 n=2", "flatten").tables[0].footer
    assert footer[0] == "Total params: 20" and not any("Trainable" in line for line in footer)


@pytest.mark.parametrize("name", ["conv_stack_keras_embedding_lstm", "conv_stack_keras_embedding_gru_rnn"])
def test_published_keras_summaries_agree(cli, name):
    result = cli("check", PROBLEMS / f"{name}.yaml")
    assert result.code == 0, result.out
    assert "0 unexplained discrepancies" in result.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["20", "lstm n=16"], "lstm needs a sequence T×F (time steps × features), got 20"),
        (["8x8x3", "embedding v=10 n=4"], "embedding needs a sequence of token ids, got 8×8×3"),
        (["20", "embedding v=10 n=4", "gru n=0"], "(gru n=0): n must be a positive whole number, got 0"),
        (["20", "embedding v=10"], "embedding needs n="),
        (["20", "embedding v=10 n=4", "lstm n=3 reset_after=1"], "lstm has no setting 'reset_after'"),
        (["20", "embedding v=10 n=4", "--framework", "tensorflow"], "unknown framework 'tensorflow'"),
    ],
)
def test_bad_layers_are_one_line_and_status_2(cli, args, message):
    result = cli("conv-stack", *args)
    assert result.code == 2
    assert len(result.err.splitlines()) == 1 and result.err.startswith("nnsolve: error:")
    assert message in result.err
