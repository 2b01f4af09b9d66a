"""conv-stack's 1-D layers: sizes against window enumeration, counts against the frameworks' weight shapes.

The sizes are found by enumerating where a window (or, transposed, a kernel copy) can sit on the
padded sequence, never by the size formula; the counts multiply out the weight shapes the
frameworks document: PyTorch's Conv1d ``weight`` (C_out, C_in/groups, K) and ``bias`` (C_out),
ConvTranspose1d ``weight`` (C_in, C_out/groups, K), Keras' Conv1D ``kernel`` (K, C_in/groups,
filters), DepthwiseConv1D ``depthwise_kernel`` (K, C, multiplier), SeparableConv1D adds a
``pointwise_kernel`` (1, C·multiplier, filters), LocallyConnected1D ``kernel`` (L_out, K·C_in,
filters) and ``bias`` (L_out, filters).
"""

from __future__ import annotations

import json
from math import ceil, prod

import pytest
import yaml
from conftest import PROBLEMS
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.kinds.sizes import conv_stack

TEXT_CNN = PROBLEMS / "conv_stack_keras_text_cnn.yaml"
M5 = PROBLEMS / "conv_stack_pytorch_m5_audio.yaml"


def solve(input: str, *layers: str, framework: str = "pytorch"):
    return conv_stack.solve(conv_stack.Given(input=input, layers=list(layers), framework=framework))


def window_starts(length: int, kernel: int, stride: int, before: int, after: int, dilation: int = 1) -> list[int]:
    """Every stride-aligned start on the padded sequence whose dilated taps all land inside it."""
    padded = length + before + after
    return [
        start
        for start in range(0, padded, stride)
        if all(0 <= start + dilation * tap < padded for tap in range(kernel))
    ]


def transposed_cells(length: int, kernel: int, stride: int, pad: int, output_padding: int, dilation: int) -> int:
    """Lay a copy of the kernel at each input cell (S apart), crop P from each end, add the output padding."""
    covered = {cell * stride + dilation * tap for cell in range(length) for tap in range(kernel)}
    return max(covered) + 1 - 2 * pad + output_padding


@settings(deadline=None, max_examples=60)
@given(
    length=st.integers(1, 40), channels=st.integers(1, 6), kernel=st.integers(1, 6), stride=st.integers(1, 4),
    pad=st.integers(0, 3), dilation=st.integers(1, 3), filters=st.integers(1, 5), bias=st.booleans(),
)  # fmt: skip
def test_conv1d_sizes_and_counts(length, channels, kernel, stride, pad, dilation, filters, bias):
    starts = window_starts(length, kernel, stride, pad, pad, dilation)
    layer = f"conv1d k={kernel} n={filters} s={stride} p={pad} d={dilation} bias={int(bias)}"
    if not starts:
        with pytest.raises(conv_stack.InputError, match="larger than the padded input length"):
            solve(f"{channels}x{length}", layer)
        return
    pytorch = solve(f"{channels}x{length}", layer)
    assert pytorch["output"].value == (filters, len(starts))  # channels × length
    keras = solve(f"{length}x{channels}", layer, framework="keras")
    assert keras["output"].value == (len(starts), filters)  # length × channels
    weight = prod((filters, channels, kernel)) + (filters if bias else 0)
    assert pytorch["total_params"].value == keras["total_params"].value == weight


@settings(deadline=None, max_examples=40)
@given(
    length=st.integers(1, 30), channels=st.integers(1, 4), kernel=st.integers(1, 5), stride=st.integers(1, 5),
    pad=st.integers(0, 2), word=st.sampled_from(["maxpool1d", "avgpool1d"]),
)  # fmt: skip
def test_pool1d_sizes(length, channels, kernel, stride, pad, word):
    pad = min(pad, kernel // 2)  # PyTorch allows at most half the window
    starts = window_starts(length, kernel, stride, pad, pad)
    if not starts:
        return
    solution = solve(f"{channels}x{length}", f"{word} k={kernel} s={stride} p={pad}")
    assert solution["output"].value == (channels, len(starts))
    assert solution["total_params"].value == 0


@pytest.mark.parametrize(("length", "kernel", "dilation"), [(10, 2, 1), (16, 2, 4), (7, 3, 2), (5, 4, 1)])
def test_causal_padding_keeps_the_length_and_looks_only_back(length, kernel, dilation):
    solution = solve(f"{length}x1", f"conv1d k={kernel} n=1 d={dilation} p=causal", framework="keras")
    pad = dilation * (kernel - 1)
    starts = window_starts(length, kernel, 1, pad, 0, dilation)
    assert solution["output"].value == (len(starts), 1) == (length, 1)
    # Output t's last tap, at padded position start + D(K−1), is input position t: nothing after t is read.
    last_taps = [start + dilation * (kernel - 1) - pad for start in starts]
    assert last_taps == list(range(length))


def test_a_pytorch_causal_stack_pads_on_the_left_as_keras_causal_padding_does():
    """WaveNet's dilated causal convolutions: PyTorch pads D·(K − 1) on the left, Keras writes padding='causal'."""
    pytorch = solve("1x16", *(layer for d in (1, 2, 4, 8) for layer in (f"pad1d p={d},0", f"conv1d k=2 n=8 d={d}")))
    keras = solve("16x1", *(f"conv1d k=2 n=8 d={d} p=causal" for d in (1, 2, 4, 8)), framework="keras")
    assert pytorch["output"].value == (8, 16) and keras["output"].value == (16, 8)
    weights = prod((8, 1, 2)) + 8 + 3 * (prod((8, 8, 2)) + 8)
    assert pytorch["total_params"].value == keras["total_params"].value == weights


@pytest.mark.parametrize(("length", "kernel", "stride"), [(500, 7, 3), (10, 3, 2), (9, 4, 4), (5, 5, 3), (1, 3, 2)])
def test_keras_same_padding_takes_strides_as_tensorflow_does(length, kernel, stride):
    """TensorFlow documents 'same' as ceil(L/S) outputs; PyTorch refuses 'same' with a stride."""
    solution = solve(f"{length}x4", f"conv1d k={kernel} n=2 s={stride} p=same", framework="keras")
    assert solution["output"].value == (ceil(length / stride), 2)
    if stride != 1:
        with pytest.raises(conv_stack.InputError, match="padding 'same' needs stride 1"):
            solve(f"4x{length}", f"conv1d k={kernel} n=2 s={stride} p=same")


@settings(deadline=None, max_examples=40)
@given(
    length=st.integers(1, 12), kernel=st.integers(1, 5), stride=st.integers(1, 3), dilation=st.integers(1, 2),
    pad=st.integers(0, 2), extra=st.integers(0, 2), groups=st.sampled_from([1, 2]),
)  # fmt: skip
def test_convtranspose1d_sizes_and_counts(length, kernel, stride, dilation, pad, extra, groups):
    if extra >= max(stride, dilation):
        return
    cells = transposed_cells(length, kernel, stride, pad, extra, dilation)
    layer = f"convtranspose1d k={kernel} n=4 s={stride} p={pad} op={extra} d={dilation} g={groups}"
    if cells < 1:
        with pytest.raises(conv_stack.InputError, match="crops away the whole length"):
            solve(f"2x{length}", layer)
        return
    solution = solve(f"2x{length}", layer)
    assert solution["output"].value == (4, cells)
    assert solution["total_params"].value == prod((2, 4 // groups, kernel)) + 4


def test_depthwise_separable_and_locally_connected_1d_count_as_keras_documents():
    depthwise = solve("20x6", "depthwiseconv1d k=3 m=2", framework="keras")
    assert depthwise["output"].value == (18, 12)
    assert depthwise["total_params"].value == prod((3, 6, 2)) + 12
    separable = solve("20x6", "separableconv1d k=3 n=8", framework="keras")
    assert separable["total_params"].value == prod((3, 6, 1)) + prod((1, 6, 8)) + 8
    local = solve("20x6", "locallyconnected1d k=3 n=8 s=2", framework="keras")
    out = len(window_starts(20, 3, 2, 0, 0))
    assert local["output"].value == (out, 8)
    assert local["total_params"].value == prod((out, 3 * 6, 8)) + prod((out, 8))


def test_grouped_conv1d():
    solution = solve("8x50", "conv1d k=5 n=12 g=4")
    assert solution["total_params"].value == prod((12, 8 // 4, 5)) + 12


@pytest.mark.parametrize(("layer", "pads"), [("pad1d p=2", (2, 2)), ("zeropadding1d p=3,0", (3, 0))])
def test_padding_layers(layer, pads):
    solution = solve("9x4", layer, framework="keras")
    assert solution["output"].value == (9 + sum(pads), 4)


def test_global_and_adaptive_pooling_leave_one_value_per_channel():
    for layer in ("globalmaxpooling1d", "globalaveragepooling1d"):
        assert solve("30x16", layer, framework="keras")["output"].value == (16,)
    adaptive = solve("16x30", "adaptiveavgpool1d o=1", "flatten", "dense n=3")
    assert adaptive["out1"].value == (16, 1)
    assert adaptive["total_params"].value == 16 * 3 + 3


def test_the_layouts_differ_only_in_order():
    layers = ["conv1d k=3 n=8", "maxpool1d k=2", "flatten", "dense n=2"]
    pytorch, keras = solve("3x20", *layers), solve("20x3", *layers, framework="keras")
    for name in ("out1", "out2"):
        assert pytorch[name].value == keras[name].value[::-1]
    assert pytorch["out2"].value == (8, 9)
    assert pytorch["out3"].value == keras["out3"].value == (72,)
    footer = pytorch.tables[0].footer
    assert "C×L: channels × length, as PyTorch lays sequences out" in footer
    assert not any("C×L" in line for line in keras.tables[0].footer)


def test_pytorch_transposes_between_recurrent_and_1d_layers_and_says_so():
    solution = solve("40", "embedding v=100 n=16", "conv1d k=3 n=8", "lstm n=4")
    assert solution["out1"].value == (40, 16)  # the embedding: time steps × features
    assert solution["out2"].value == (8, 38)  # Conv1d: channels × length
    assert "x.transpose(1, 2)" in solution["out2"].note and "x.transpose(1, 2)" in solution["out3"].note
    assert solution["params3"].value == 4 * (4 * 8 + 4 * 4 + 2 * 4)
    assert solution["out1"].note is None


def test_batch_norm_after_conv1d_counts_its_channels():
    solution = solve("4x30", "conv1d k=3 n=6", "batchnorm")
    assert solution["params2"].value == 2 * 6
    assert solution["non_trainable_params"].value == 2 * 6


@pytest.mark.parametrize(
    ("framework", "input", "expected", "other"),
    [("pytorch", "4x5x6", 2 * 4 * 5 * 6, 2 * 6), ("keras", "4x5x6", 2 * 6, 2 * 4 * 5 * 6)],
)
def test_layer_norm_on_an_image_counts_as_each_framework_normalizes(framework, input, expected, other):
    """PyTorch's LayerNorm([C, H, W]) scales every value; Keras' LayerNormalization() the last axis."""
    solution = solve(input, "layernorm", framework=framework)
    assert solution["params1"].value == expected
    assert f"{other:,}" in solution["params1"].note


def test_the_keras_text_cnn_counts_from_its_layers_formulas(cli):
    """Keras' "Text classification from scratch": weight shapes multiplied out, one layer at a time."""
    embedding = prod((20000, 128))
    conv = prod((7, 128, 128)) + 128
    dense = prod((128, 128)) + 128
    head = prod((128, 1)) + 1
    first = len(window_starts(500, 7, 3, 0, 0))
    second = len(window_starts(first, 7, 3, 0, 0))
    solution = conv_stack.solve(conv_stack.Given(**yaml.safe_load(TEXT_CNN.read_text())["given"]))
    assert [solution[f"params{i}"].value for i in (1, 3, 5, 8, 11)] == [embedding, conv, conv, dense, head]
    assert [solution[f"out{i}"].value for i in (3, 5, 7)] == [(first, 128), (second, 128), (128,)]
    assert solution["total_params"].value == embedding + 2 * conv + dense + head == 2_806_273
    check = cli("check", TEXT_CNN)
    assert check.code == 0, check.out


def test_the_torchaudio_m5_model_has_its_published_count(cli):
    result = cli("check", M5)
    assert result.code == 0, result.out
    assert "✓ total_params = 26915" in result.out
    solution = conv_stack.solve(conv_stack.Given(**yaml.safe_load(M5.read_text())["given"]))
    assert solution["non_trainable_params"].value == 2 * (32 + 32 + 64 + 64)
    assert solution["out1"].value == (32, len(window_starts(8000, 80, 16, 0, 0)))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["28x28x3", "conv k=3 n=4", "conv1d k=3 n=4"],
            "(conv1d k=3 n=4): conv1d is a 1-D layer and needs a sequence (length × channels), "
            "got the image 26×26×4 (height × width × channels); expected the 2-D conv on an image",
        ),
        (
            ["1x100", "conv1d k=3 n=4", "maxpool k=2"],
            "(maxpool k=2): maxpool is a 2-D layer and needs an HxWxC input, got the sequence 4×98 "
            "(channels × length); expected maxpool1d on a sequence",
        ),
        (
            ["1x100", "conv1d k=3 n=4", "flatten", "conv1d k=3 n=2"],
            "conv1d needs a sequence (length × channels), got a vector of 392; expected it before flatten",
        ),
        (
            ["3x5", "conv1d k=4 n=2 p=1 d=3"],
            "the kernel (4 (dilated to 10)) is larger than the padded input length (5 + padding 2 = 7)",
        ),
        (["6x20", "conv1d k=3 n=8 g=4"], "groups 4 do not divide the 6 input channels"),
        (["8x20", "conv1d k=3 n=6 g=4"], "groups 4 do not divide the 6 output channels"),
        (["2x20", "conv1d k=3 n=2 p=causal"], "padding 'causal' is Keras' Conv1D's"),
        (["2x20", "conv1d k=3x3 n=2"], "k: expected one number (like 12), got '3x3'"),
        (["2x20", "pad1d p=2x1"], "p: expected one number (like 12), got '2x1'"),
        (["2x20", "pad1d p=1,2,3"], "p: expected p=2 or p=2,0 (left, right), got '1,2,3'"),
        (["8x8x2", "pad p=1,2"], "p: expected p=2 or p=2x1 (height, width), got '1,2'"),
        (["3x2", "pad1d p=0,2 mode=reflect"], "reflect padding 2 needs a map larger than 2 along the length"),
        (["2x20", "maxpool1d k=2 p=2"], "padding 2 is more than half the window 2"),
        (["2x20", "adaptiveavgpool1d o=0"], "o must be a positive whole number, got 0"),
        (["2x20", "conv1d k=3 n=2 c=abc"], "c: 'abc' is not a whole number"),
        (["2x20", "conv1d k=3 n=2 bias=maybe"], "bias must be 0 or 1 (or true/false), got 'maybe'"),
        (["8x8x3", "flatten", "dense n=2 in=ten"], "in: 'ten' is not a whole number"),
    ],
)
def test_bad_1d_layers_are_one_line_and_status_2(cli, args, message):
    result = cli("conv-stack", *args)
    assert result.code == 2, result.out
    assert len(result.err.splitlines()) == 1 and result.err.startswith("nnsolve: error:")
    assert message in result.err


def gates_weights(gates: int, inputs: int, units: int, biases: int) -> int:
    """A recurrent layer's weight shapes multiplied out: (gates·units, inputs), (gates·units, units), biases."""
    return prod((gates * units, inputs)) + prod((gates * units, units)) + biases * gates * units


#: Every layer of the shape tables: (layer, PyTorch input, its count, Keras input, its count), the
#: counts from the weight shapes each framework documents for the layer.
EVERY_LAYER = [
    ("conv k=3 n=4", "8x8x3", prod((4, 3, 3, 3)) + 4, "8x8x3", prod((3, 3, 3, 4)) + 4),
    ("conv1d k=3 n=4", "3x20", prod((4, 3, 3)) + 4, "20x3", prod((3, 3, 4)) + 4),
    ("conv k=3 n=8 g=2", "8x8x4", prod((8, 2, 3, 3)) + 8, "8x8x4", prod((3, 3, 2, 8)) + 8),
    ("convtranspose k=3 n=4 s=2", "4x4x8", prod((8, 4, 3, 3)) + 4, "4x4x8", prod((3, 3, 4, 8)) + 4),
    ("convtranspose1d k=3 n=4 s=2", "8x10", prod((8, 4, 3)) + 4, "10x8", prod((3, 4, 8)) + 4),
    ("depthwise k=3 m=2", "8x8x4", prod((8, 1, 3, 3)) + 8, "8x8x4", prod((3, 3, 4, 2)) + 8),
    ("depthwise1d k=3 m=2", "4x10", prod((8, 1, 3)) + 8, "10x4", prod((3, 4, 2)) + 8),
    ("separable k=3 n=8", "8x8x4", prod((3, 3, 4, 1)) + prod((1, 1, 4, 8)) + 8, "8x8x4", 3 * 3 * 4 + 4 * 8 + 8),
    ("local k=3 n=2", "5x5x3", prod((3 * 3, 3 * 3 * 3, 2)) + prod((3, 3, 2)), "5x5x3", 9 * 27 * 2 + 9 * 2),
    ("local1d k=3 n=2", "3x6", prod((4, 3 * 3, 2)) + prod((4, 2)), "6x3", prod((4, 3 * 3, 2)) + prod((4, 2))),
    ("pad p=1", "4x4x2", 0, "4x4x2", 0),
    ("pad1d p=1", "2x4", 0, "4x2", 0),
    ("maxpool k=2", "4x4x2", 0, "4x4x2", 0),
    ("avgpool1d k=2", "2x4", 0, "4x2", 0),
    ("adaptiveavgpool o=1", "4x4x2", 0, "4x4x2", 0),
    ("globalavgpool", "4x4x2", 0, "4x4x2", 0),
    ("globalmaxpool1d", "2x4", 0, "4x2", 0),
    ("embedding v=50 n=4", "10", prod((50, 4)), "10", prod((50, 4))),
    ("rnn n=3", "10x4", gates_weights(1, 4, 3, 2), "10x4", gates_weights(1, 4, 3, 1)),
    ("lstm n=3", "10x4", gates_weights(4, 4, 3, 2), "10x4", gates_weights(4, 4, 3, 1)),
    ("gru n=3", "10x4", gates_weights(3, 4, 3, 2), "10x4", gates_weights(3, 4, 3, 2)),
    ("gru n=3 reset_after=0", "10x4", gates_weights(3, 4, 3, 2), "10x4", gates_weights(3, 4, 3, 1)),
    ("batchnorm", "4x4x3", prod((3,)) * 2, "4x4x3", prod((3,)) * 2),
    ("layernorm", "4x4x3", 2 * prod((3, 4, 4)), "4x4x3", 2 * 3),
    ("dropout", "4x4x3", 0, "4x4x3", 0),
    ("dense n=3", "5", prod((3, 5)) + 3, "5", prod((5, 3)) + 3),
]


@pytest.mark.parametrize(("layer", "torch_input", "torch_count", "keras_input", "keras_count"), EVERY_LAYER)
def test_every_layer_counts_as_each_framework_through_the_command_and_a_file(
    cli, tmp_path, layer, torch_input, torch_count, keras_input, keras_count
):
    for framework, input, expected in (("pytorch", torch_input, torch_count), ("keras", keras_input, keras_count)):
        command = cli("conv-stack", input, layer, "--framework", framework, "--json")
        problem = tmp_path / f"{framework}.yaml"
        given = {"input": input, "layers": [layer], "framework": framework}
        problem.write_text(yaml.safe_dump({"kind": "conv-stack", "title": layer, "given": given}))
        solved = cli("solve", problem, "--json")
        for result in (command, solved):
            assert result.code == 0, result.err
            assert json.loads(result.out)["answers"]["total_params"] == expected, framework


@pytest.mark.parametrize(("layer", "torch_input", "torch_count", "keras_input", "keras_count"), EVERY_LAYER)
def test_the_two_frameworks_count_alike_unless_the_sheet_says_why(
    layer, torch_input, torch_count, keras_input, keras_count
):
    """Where the counts differ (recurrent biases, layer norm's axes) the parameter step says what the other counts."""
    for framework, input, other, count in (
        ("pytorch", torch_input, "Keras", keras_count),
        ("keras", keras_input, "PyTorch", torch_count),
    ):
        solution = solve(input, layer, framework=framework)
        if "params1" not in solution.steps:
            continue
        note = solution["params1"].note or ""
        assert (torch_count != keras_count) == note.startswith(f"{other} counts"), framework
        assert torch_count == keras_count or f"= {count:,}:" in note


def test_a_separable_layer_in_pytorch_says_its_two_layers_keep_two_biases():
    note = solve("8x8x4", "separable k=3 n=8 m=2")["params1"].note
    depthwise, pointwise = prod((3, 3, 4, 2)) + 4 * 2, prod((1, 1, 4 * 2, 8)) + 8
    assert f"it counts {depthwise + pointwise:,}" in note
    assert solve("8x8x4", "separable k=3 n=8 bias=0")["params1"].note is None


def test_a_frozen_layer_counts_as_non_trainable():
    """Keras' pre-trained embeddings (trainable=False) and a frozen batch norm: Keras' summary lines, by hand."""
    layers = ["embedding v=20002 n=100 trainable=0", "conv1d k=5 n=128", "batchnorm trainable=false", "flatten"]
    solution = solve("100", *layers, "dense n=20", framework="keras")
    embedding, conv, gamma_beta, statistics = 20002 * 100, 5 * 100 * 128 + 128, 2 * 128, 2 * 128
    dense = 96 * 128 * 20 + 20
    assert solution["total_params"].value == conv + dense
    assert solution["non_trainable_params"].value == embedding + gamma_beta + statistics
    assert "frozen" in solution["params1"].title and "frozen" not in solution["params2"].title
    footer = solution.tables[0].footer
    assert f"Total params: {embedding + conv + gamma_beta + statistics + dense:,}" in footer
    assert f"Non-trainable params: {embedding + gamma_beta + statistics:,}" in footer
