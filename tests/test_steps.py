"""The step graph: evaluation order, overrides, variants, entries, names."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from solver.graph.errors import InputError
from solver.graph.formula import Template, text_to_latex
from solver.graph.names import entry_index, entry_name, latex_name, rename, split_entry
from solver.graph.steps import Noted, Solution, Step, Variant
from solver.graph.values import format_value
from solver.kinds.sizes import conv_size, pool_size
from solver.render.json import render_json


def small_graph() -> Solution:
    s = Solution("demo", "z = w x + b, a = relu(z)")
    s.given("w", "weight", 2.0)
    s.given("x", "input", 3.0)
    s.given("b", "bias", -7.0)
    s.add(Step("z", "pre-activation", deps=("w", "x", "b"), compute=lambda w, x, b: w * x + b,
               formula=Template("{w}·{x} + {b}")))  # fmt: skip
    s.add(Step("a", "activation", deps=("z",),
               compute=lambda z: Noted(max(z, 0.0), "z < 0: ReLU gives 0" if z < 0 else None),
               variants=(Variant("identity", "ReLU is not the identity.", lambda z: z),)))  # fmt: skip
    return s


def test_values_are_computed_in_order_with_notes():
    s = small_graph()
    assert s["z"].value == -1.0
    assert s["a"].value == 0.0 and s["a"].note == "z < 0: ReLU gives 0"
    assert s.answers == {"z": -1.0, "a": 0.0}


def test_evaluate_recomputes_downstream_of_overrides_without_changing_the_solution():
    s = small_graph()
    values = s.evaluate({"z": 4.2})
    assert values["a"] == 4.2
    assert s.evaluate({"x": 5.0})["a"] == 3.0
    assert s["a"].value == 0.0


def test_evaluate_with_a_variant_follows_the_wrong_rule():
    s = small_graph()
    assert s.evaluate(variant=("a", "identity"))["a"] == -1.0
    assert s.evaluate(variant=("*", "identity"))["a"] == -1.0
    with pytest.raises(KeyError):
        s.evaluate(variant=("z", "identity"))


def test_steps_must_come_after_their_dependencies():
    s = Solution("demo", "t")
    with pytest.raises(ValueError, match="unknown steps"):
        s.add(Step("y", "y", deps=("x",), compute=lambda x: x))


def test_entries_are_addressed_from_one_unless_the_step_says_otherwise():
    s = Solution("demo", "t")
    s.given("W", "weights", [[10, 11, 12], [20, 21, 22]], index_origin=(1, 0))
    s.given("v", "vector", [5, 6, 7])
    assert s.entry("W[1,0]") == 10 and s.entry("W[2,2]") == 22
    assert s.entry("v[3]") == 7
    with pytest.raises(InputError, match=r"out of range 1\.\.3"):
        s.entry("v[4]")
    with pytest.raises(InputError, match="no step or entry"):
        s.entry("u[1]")


def test_an_entry_is_written_and_read_back_by_one_syntax():
    s = Solution("demo", "t")
    s.given("W", "weights", [[10, 11, 12], [20, 21, 22]], index_origin=(1, 0))
    for position in [(0, 0), (1, 2), (0, 1)]:
        written = entry_name("W", position, (1, 0))
        assert split_entry(written)[0] == "W"
        assert s.entry(written) == s["W"].value[position[0]][position[1]]
    assert entry_name("feature_map", (0, 4)) == "feature_map[1,5]"
    assert split_entry("dL/dW1[ 2, 3 ]") == ("dL/dW1", " 2, 3 ") and entry_index(" 2, 3 ") == (2, 3)
    assert split_entry("W1") == ("W1", None) and split_entry("W1[1][2]") == ("W1[1][2]", None)
    for not_whole in ["1.5", "+1", "1,", "", "a", "1_0"]:
        assert entry_index(not_whole) is None
        with pytest.raises(InputError, match="no step or entry"):
            s.entry(f"W[{not_whole}]")


def test_ancestors():
    assert small_graph().ancestors("a") == ["w", "x", "b", "z", "a"]


def test_repr_reads_like_the_notes():
    assert repr(small_graph()["z"]) == "Step(z = -1)"


def test_json_rendering_has_the_documented_keys():
    data = json.loads(render_json(small_graph()))
    assert set(data) == {"kind", "title", "answers", "steps"}
    assert data["steps"][3] == {
        "name": "z", "title": "pre-activation", "latex": "z = w \\cdot x + b = 2 \\cdot 3 + (-7) = -1",
        "value": -1.0, "deps": ["w", "x", "b"], "note": None,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("name", "notation", "expected"),
    [("z1", {"z": "a", "a": "z"}, "a1"), ("a2", {"z": "a", "a": "z"}, "z2"), ("W1", {"W1": "alpha"}, "alpha"),
     ("dL/dW1", {"W1": "alpha"}, "dL/dalpha"), ("W1[1,0]", {"W1": "alpha"}, "alpha[1,0]"),
     ("y_hat", {"y_hat": "O"}, "O"), ("loss", {}, "loss")],
)  # fmt: skip
def test_rename(name, notation, expected):
    assert rename(name, notation) == expected


#: Every form of name the kinds and the seeds' notation produce, typeset as the notes write them.
NAMES_AS_TYPESET = [
    # a letter or a Greek letter, its layer number and short indices as subscripts
    ("z1", "z_{1}"), ("alpha", r"\alpha"), ("delta3", r"\delta_{3}"), ("K_h", "K_{h}"), ("W_hh", "W_{hh}"),
    ("h0", "h_{0}"), ("z1_e1", "z_{1,e1}"), ("M_1", "M_{1}"),
    # hats and the updated value
    ("y_hat", r"\hat{y}"), ("y_hat3", r"\hat{y}_{3}"), ("a1_hat", r"\hat{a}_{1}"), ("y_hat_e1", r"\hat{y}_{e1}"),
    ("mean_Y_hat", r"\mathrm{mean}_{\hat{Y}}"),  # a batch statistic of Ŷ: the hat is on Ŷ, not on "mean"
    ("W1_new", "W_{1}^{new}"), ("w_h_new", "w_{h}^{new}"), ("b_new", "b^{new}"),
    # a word is one upright name, and words after it are the same name
    ("loss", r"\mathrm{loss}"), ("output_size", r"\mathrm{output\_size}"), ("feature_map", r"\mathrm{feature\_map}"),
    ("total_params", r"\mathrm{total\_params}"), ("pooled_size", r"\mathrm{pooled\_size}"),
    ("padded_image", r"\mathrm{padded\_image}"), ("loss_history", r"\mathrm{loss\_history}"),
    # ... with its layer number or a short index as a subscript
    ("feature_map1", r"\mathrm{feature\_map}_{1}"), ("out1", r"\mathrm{out}_{1}"), ("out_h", r"\mathrm{out}_{h}"),
    ("padded_w", r"\mathrm{padded}_{w}"), ("loss_e1", r"\mathrm{loss}_{e1}"), ("net_o", r"\mathrm{net}_{o}"),
    # a word labelling a letter is text
    ("E_total", r"E_{\text{total}}"), ("n_kernels", r"n_{\text{kernels}}"), ("w_h_path3", r"w_{h,\text{path }3}"),
    # entries and derivatives
    ("x[2]", "x_{[2]}"), ("W1[1,2]", "W_{1}[1,2]"), ("feature_map[1,1]", r"\mathrm{feature\_map}_{[1,1]}"),
    ("dL/dW1", r"\frac{\partial L}{\partial W_{1}}"),
    ("dout_o/dnet_o", r"\frac{\partial \mathrm{out}_{o}}{\partial \mathrm{net}_{o}}"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "latex"), NAMES_AS_TYPESET)
def test_latex_name(name, latex):
    assert latex_name(name) == latex


def test_size_mistakes_change_the_answer():
    """Each named size mistake gives a different answer where it matters."""
    solution = conv_size.solve(conv_size.Given(input=10, kernel=3, stride=2, padding=2, dilation=2))
    truth = solution.answers["output"]
    assert tuple(truth) == (5, 5)  # floor((10 + 4 - 5) / 2) + 1
    wrong = {
        name: tuple(solution.evaluate(variant=("*", name))["output"])
        for name in ("no_plus_one", "no_floor", "rounded_up", "padding_once", "ignored_stride", "ignored_dilation")
    }
    assert wrong["no_plus_one"] == (4, 4)
    assert wrong["no_floor"] == (Fraction(11, 2), Fraction(11, 2))
    assert wrong["rounded_up"] == (6, 6)
    assert wrong["padding_once"] == (4, 4)  # floor((12 - 5) / 2) + 1
    assert wrong["ignored_stride"] == (10, 10)  # (14 - 5) + 1
    assert wrong["ignored_dilation"] == (6, 6)  # floor((14 - 3) / 2) + 1
    explicit = conv_size.solve(conv_size.Given(input=12, kernel=3, stride=2))
    assert tuple(explicit.answers["output"]) == (5, 5)
    assert tuple(explicit.evaluate(variant=("*", "tensorflow_same"))["output"]) == (6, 6)  # ceil(12 / 2)
    pooled = pool_size.solve(pool_size.Given(input=8, window=2))
    assert tuple(pooled.evaluate(variant=("*", "pool_stride_one"))["output"]) == (7, 7)


def test_a_row_or_column_takes_one_index_like_a_vector():
    from solver.graph.steps import entry_position

    assert entry_position((2,), (1, 3), (), "h1[2]") == (0, 1)
    assert entry_position((3,), (3, 1), (), "h1[3]") == (2, 0)
    assert entry_position((1, 0), (3, 3), (1, 0), "W1[1,0]") == (0, 0)
    with pytest.raises(InputError, match="expected 2 indices"):
        entry_position((2,), (3, 3), (), "W1[2]")


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("{W2}[:, 1:]ᵀ·{delta2}", r"{W2}_{:,1:}^{\top} \cdot {delta2}"),
        ("σ({z}) ⊙ (1 − σ({z}))", r"\sigma({z}) \odot (1 - \sigma({z}))"),
        ("σz", r"\sigma z"),  # a command before a letter keeps its space
        ("tanh({h}) + ln {y} + mean({e})", r"\tanh({h}) + \ln {y} + \mathrm{mean}({e})"),
        ("[1; {x}]", r"\begin{bmatrix} 1 \\ {x} \end{bmatrix}"),
        ("{tanh_h}·{diag}", r"{tanh_h} \cdot {diag}"),  # a step's name in a hole is left alone
    ],
)
def test_text_formulas_have_one_latex_translation(text, latex):
    assert text_to_latex(text) == latex


def test_a_name_with_a_superscript_raised_again_is_grouped_for_latex():
    # h₁⁽¹⁾ᵀ: an example's state transposed.  TeX refuses h_{1}^{(1)}^{\top}, and a group holding only
    # an accented name collapses back into it, hence the empty {} inside.
    symbols = {"h": r"h_{1}^{(1)}", "n": r"\hat{h}_{1}^{(1)}", "x": "x_{1}"}
    shown = Template("{h}ᵀ·{x}ᵀ + (1 − {n}²)").show("latex", symbols)
    assert shown == r"{{}h_{1}^{(1)}}^{\top} \cdot x_{1}^{\top} + (1 - {{}\hat{h}_{1}^{(1)}}^{2})"


def test_an_image_with_channels_is_set_in_latex_as_its_channels_side_by_side():
    # Entry by entry, a C×H×W image would show each of its rows as a column vector.
    image = [[[1, 2, 0], [3, 4, 1]], [[5, 0, 6], [0, 7, 0]]]
    latex = format_value(image, "latex")
    for channel in image:
        rows = r" \\ ".join(" & ".join(str(x) for x in row) for row in channel)
        assert rf"\begin{{bmatrix}} {rows} \end{{bmatrix}}" in latex
    assert latex.count(r"\begin{bmatrix}") == 3
