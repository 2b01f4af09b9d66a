"""conv-stack's image layouts: H×W×C (the default) and PyTorch's channels-first C×H×W (``layout: chw``).

The layout changes how shapes are read and written, never a size or a count: the same network solved
in both layouts must give the same parameters and, step by step, the same shape with its channel axis
moved.  The permutation is written out here as PyTorch's ``x.permute(0, 3, 1, 2)`` takes NHWC to
NCHW (batch left out), apart from the code under test.
"""

from __future__ import annotations

import pytest
import yaml
from test_grade_judged import grade, one_problem, outcome

from grader.homework import load_homework
from grader.sheet import answers_template
from solver.graph.errors import InputError
from solver.graph.values import Shape
from solver.kinds.sizes import conv_stack

#: Every layer conv-stack applies to an image, with settings that make each axis count (an input
#: 20 high, 16 wide, 3 channels: height and width differ so a swapped axis would show).
IMAGE_LAYERS = [
    ["conv k=3 n=6 s=2 p=1"],
    ["conv k=3x5 n=6 d=2 g=3"],
    ["convtranspose k=3 n=4 s=2 p=1 op=1"],
    ["depthwise k=3 m=2"],
    ["separable k=3 n=8 m=2"],
    ["local k=3 n=4 s=2"],
    ["pad p=2x1 mode=reflect"],
    ["maxpool k=2"],
    ["avgpool k=3 s=2 ceil=1"],
    ["adaptiveavgpool o=3"],
    ["adaptivemaxpool o=2x3"],
    ["globalmaxpool", "dense n=5"],
    ["globalavgpool"],
    ["batchnorm", "relu", "sigmoid", "tanh", "softmax", "dropout"],
    ["layernorm"],
    ["conv k=3 n=4 trainable=0", "flatten", "dense n=10"],
]


def solve(input: str, layers: list[str], layout: str | None = None, framework: str = "pytorch"):
    given = conv_stack.Given(input=input, layers=layers, layout=layout, framework=framework)  # type: ignore[arg-type]
    return conv_stack.solve(given)


def channels_first(shape: tuple[int, ...]) -> tuple[int, ...]:
    """H×W×C -> C×H×W; a vector stays as it is."""
    if len(shape) != 3:
        return tuple(shape)
    height, width, channels = shape
    return (channels, height, width)


@pytest.mark.parametrize("framework", ["pytorch", "keras"])
@pytest.mark.parametrize("layers", IMAGE_LAYERS, ids=lambda layers: layers[0])
def test_both_layouts_give_the_same_counts_and_permuted_shapes(layers, framework):
    hwc = solve("20x16x3", layers, "hwc", framework)
    chw = solve("3x20x16", layers, "chw", framework)
    assert set(hwc.answers) == set(chw.answers)
    shapes = [name for name in hwc.answers if name.startswith("out") or name == "output"]
    assert shapes, "the network shows shapes"
    for name, value in hwc.answers.items():
        if name in shapes:
            assert tuple(chw[name].value) == channels_first(value), name
        else:
            assert chw[name].value == value, name
    assert tuple(chw["input"].value) == (3, 20, 16)
    hwc_rows, chw_rows = hwc.tables[0].rows, chw.tables[0].rows
    assert [row[3:] for row in hwc_rows] == [row[3:] for row in chw_rows]
    assert [channels_first(row[2]) for row in hwc_rows] == [tuple(row[2]) for row in chw_rows]


def test_a_pytorch_first_layer_counts_as_pytorch_prints_it():
    # nn.Conv2d(3, 8, 3) on a 1×3×32×32 batch: weight 8×3×3×3 and bias 8 (224), output 1×8×30×30.
    solution = solve("3x32x32", ["conv k=3 n=8"], "chw")
    assert solution["params1"].value == 8 * 3 * 3 * 3 + 8
    assert tuple(solution["out1"].value) == (8, 30, 30)
    assert "C×H×W" in solution["input"].title


def test_the_recomputed_steps_read_the_shapes_in_their_layout():
    # The grader recomputes from a student's earlier answer: 8×30×30 in chw is 8 channels of 30×30.
    solution = solve("3x32x32", ["conv k=3 n=8", "maxpool k=2", "conv k=3 n=4"], "chw")
    values = solution.evaluate(overrides={"out1": Shape((8, 30, 30))})
    assert tuple(values["out3"]) == (4, 13, 13)
    assert values["params3"] == 3 * 3 * 8 * 4 + 4


def test_the_footer_says_which_order_the_shapes_are_in():
    def footer(*args, **kwargs):
        return solve(*args, **kwargs).tables[0].footer

    assert "C×H×W: channels × height × width, as in PyTorch" in footer("3x32x32", ["conv k=3 n=8"], "chw")
    assert not any(line.startswith("C×") for line in footer("32x32x3", ["conv k=3 n=8"]))
    # A sequence keeps its own key, whatever the images' layout.
    sequence = footer("1x8000", ["conv1d k=80 n=32 s=16"], "chw")
    assert "C×L: channels × length, as PyTorch lays sequences out" in sequence
    assert not any(line.startswith("C×H×W") for line in sequence)


def test_a_two_number_image_is_one_channel_in_either_layout():
    assert tuple(solve("28x28", ["conv k=3 n=8"], "chw")["out1"].value) == (8, 26, 26)
    assert tuple(solve("28x28", ["conv k=3 n=8"])["out1"].value) == (26, 26, 8)


@pytest.mark.parametrize("input", ["3x32x32", "1x28x28", "3x224x224", "4x64x48", "1x2x2"])
def test_an_input_that_reads_channels_first_is_refused_by_default(input):
    c, h, w = input.split("x")
    with pytest.raises(InputError) as raised:
        solve(input, ["conv k=1 n=8"])
    assert raised.value.field == "input"
    message = raised.value.message
    assert f"expected {h}x{w}x{c} (H×W×C)" in message
    assert "--layout chw (layout: chw in a problem file)" in message


@pytest.mark.parametrize("input", ["32x32x3", "4x5x6", "3x3x64", "3x5x8", "2x32x32", "28x28", "1x8000"])
def test_an_input_that_reads_as_written_is_not_refused(input):
    layers = ["conv1d k=3 n=4"] if input == "1x8000" else ["conv k=1 n=8"]
    assert solve(input, layers)["out1"].value


def test_an_explicit_layout_takes_the_input_as_written():
    # H=3, W=32, C=32 as given: a 3×3 kernel leaves 1×30, and 3·3·32·8 + 8 = 2,312 parameters.
    solution = solve("3x32x32", ["conv k=3 n=8"], "hwc")
    assert tuple(solution["out1"].value) == (1, 30, 8)
    assert solution["params1"].value == 2312


def test_an_unknown_layout_is_named():
    with pytest.raises(InputError, match="unknown layout 'whc'; expected one of: hwc, chw"):
        solve("32x32x3", ["conv k=3 n=8"], "whc")


def test_messages_write_images_in_the_layout():
    with pytest.raises(InputError, match=r"its input 3×32×32 has 3 channels"):
        solve("3x32x32", ["conv k=5 n=6 c=1"], "chw")
    with pytest.raises(InputError, match=r"needs a CxHxW input, got a vector of 3072"):
        solve("3x32x32", ["flatten", "conv k=3 n=1"], "chw")
    with pytest.raises(InputError, match=r"got the image 8×30×30 \(channels × height × width\)"):
        solve("3x32x32", ["conv k=3 n=8", "conv1d k=3 n=8"], "chw")


def test_the_command_reads_the_layout(cli):
    result = cli("conv-stack", "3x32x32", "conv k=3 n=8", "--layout", "chw")
    assert result.code == 0, result.err
    assert "out1 = conv(input) = conv(3×32×32) = 8×30×30" in result.out
    assert "C×H×W: channels × height × width" in result.out


def test_the_command_refuses_a_channels_first_input_in_one_line(cli):
    result = cli("conv-stack", "3x32x32", "conv k=3 n=8")
    assert (result.code, result.out) == (2, "")
    assert result.err.count("\n") == 1 and result.err.startswith("nnsolve: error: input 3×32×32 reads as H×W×C")


def test_a_problem_file_gives_the_layout(cli, tmp_path):
    path = tmp_path / "problem.yaml"
    text = "kind: conv-stack\ngiven:\n  input: 3x32x32\n{}  layers: [conv k=3 n=8]\n"
    path.write_text(text.format("  layout: chw\n"), encoding="utf-8")
    assert "= 8×30×30" in cli("solve", path).out
    path.write_text(text.format(""), encoding="utf-8")
    result = cli("solve", path)
    assert result.code == 2 and f"{path}:3: given.input: input 3×32×32 reads as H×W×C" in result.err


# --- Grading a channels-first problem ---------------------------------------------------------------------------

CHW_STACK = {
    "kind": "conv-stack",
    "given": {"input": "3x32x32", "layout": "chw", "layers": ["conv k=3 n=8", "maxpool k=2", "flatten"]},
}
ASKED = {"out1": 1, "out2": 1, "output": 1}
CHANNELS_LAST = ("mistake", "image_written_channels_last", 0.25)  # the homework's mistake_credit


@pytest.fixture(scope="module")
def chw_homework(tmp_path_factory):
    return one_problem(tmp_path_factory.mktemp("chw"), CHW_STACK, ASKED)


def test_a_channels_first_answer_is_right(chw_homework):
    graded = grade(chw_homework, {"q": {"out1": "8x30x30", "out2": "8 × 15 × 15", "output": 1800}})
    assert {step: outcome(item) for (_, step), item in graded.items()} == {
        step: ("correct", None, 1.0) for step in ASKED
    }


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"out1": "30x30x8", "out2": "15x15x8"}, {"out1": CHANNELS_LAST, "out2": CHANNELS_LAST}),
        ({"out1": "30x30x8", "out2": "8x15x15"}, {"out1": CHANNELS_LAST, "out2": ("correct", None, 1.0)}),
        ({"out1": [30, 30, 8]}, {"out1": CHANNELS_LAST}),
        ({"out1": "30x8x30"}, {"out1": ("wrong", None, 0.0)}),
    ],
)
def test_an_answer_written_channels_last_is_named(chw_homework, answers, expected):
    graded = grade(chw_homework, {"q": answers})
    assert {step: outcome(graded["q", step]) for step in answers} == expected
    named = [item for item in graded.values() if item.mistake]
    assert all("C×H×W" in item.feedback for item in named)


def test_a_channels_last_problem_names_no_layout_mistake(tmp_path):
    # The default layout keeps its grading: a C×H×W answer to an H×W×C problem is wrong, as before.
    stack = {"kind": "conv-stack", "given": {"input": "32x32x3", "layers": ["conv k=3 n=8"]}}
    graded = grade(one_problem(tmp_path, stack, {"out1": 1}), {"q": {"out1": "8x30x30"}})
    assert outcome(graded["q", "out1"]) == ("wrong", None, 0.0)


def test_the_answers_template_asks_for_images_channels_first(tmp_path):
    # A template whose example reads H×W×C (7x7x40) would lead students into the named mistake.
    path = tmp_path / "hw.yaml"
    path.write_text(
        yaml.safe_dump({"title": "t", "problems": [{"id": "q", "problem": CHW_STACK, "ask": ASKED}]}), encoding="utf-8"
    )
    template = answers_template(load_homework(path), "hw.yaml")
    lines = {line.split(":")[0].strip(): line for line in template.splitlines()}
    assert "C×H×W" in lines["out1"] and "40x7x7" in lines["out2"]
    assert "C×H×W" not in lines["output"]  # flattened: a length, no layout
