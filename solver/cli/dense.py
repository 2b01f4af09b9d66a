"""Quick commands for dense networks: neuron, mlp, perceptron, loss, and the losses on class scores softmax and svm."""

from __future__ import annotations

import math
import re
from dataclasses import fields
from typing import Annotated, Any

import typer

from solver.cli.output import (
    FormatOption,
    FullOption,
    JsonOption,
    OutputFormat,
    chosen_format,
    emit,
    solve_naming_options,
)
from solver.graph.errors import InputError

Numbers = Annotated[str, typer.Option(help="A number or a comma-separated list: 0.2,0.3,0.9")]


def parse_numbers(text: str, option: str) -> float | list[float]:
    """``"0.2, 0.3"`` -> [0.2, 0.3]; ``"1"`` -> 1.0."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InputError(f"{option}: {text!r} is not a number or a comma-separated list of numbers") from None
    if not values:
        raise InputError(f"{option}: empty; expected a number or a comma-separated list")
    # float() reads nan and inf too; refused here, the error names the option they came from
    for part, value in zip(parts, values, strict=True):
        if not math.isfinite(value):
            raise InputError(f"{option}: {part!r} is not a finite number; expected finite numbers")
    return values[0] if len(values) == 1 else values


OptimizerOption = Annotated[
    str | None,
    typer.Option(
        "--optimizer",
        help="The update rule and its torch.optim settings: 'NAME key=value ...', e.g. "
        "'adam betas=0.9,0.999 eps=1e-8', 'momentum momentum=0.9 nesterov', 'adamw weight_decay=0.01'.",
    ),
]


def parse_optimizer_option(text: str | None) -> Any:
    """``"adam betas=0.9,0.999 lr=0.1"`` -> the optimizer's settings, checked as a problem file's are.

    A bare word after the name is a flag (``nesterov``); a value with commas is a list of numbers.
    """
    if text is None:
        return None
    from solver.files.problem_file import validate
    from solver.kinds.dense.mlp import OptimizerGiven

    name, *settings = text.split() or [""]
    data: dict[str, Any] = {"name": name}
    flags = [f.name for f in fields(OptimizerGiven) if f.type in (bool, "bool")]
    for setting in settings:
        key, equals, value = setting.partition("=")
        if not equals and key not in flags:  # a bare number setting would be read as True, that is 1
            raise InputError(
                f"{key!r} needs a value; expected {key}=VALUE (a word alone is a flag: {', '.join(flags)})",
                where="--optimizer",
            )
        data[key] = _setting_value(value) if equals else True
    return validate(OptimizerGiven, data, {}, "--optimizer", ())


def _setting_value(text: str) -> Any:
    """A number, a list of numbers (``0.9,0.999``), or the text itself for the validator to judge."""
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError:
        return text
    return numbers if "," in text else numbers[0]


def neuron(
    w: Annotated[str | None, typer.Option("--w", help="Weight(s): 0.2,0.3,0.9 (not with --symbolic).")] = None,
    x: Annotated[
        str | None,
        typer.Option("--x", help="Input(s): 0.5,0.6,0.1; a batch as rows: '1 2; 0 1' (not with --symbolic)."),
    ] = None,
    b: Annotated[float, typer.Option("--b", help="Bias.")] = 0.0,
    act: Annotated[str, typer.Option("--act", help="Not softmax: linear, relu, sigmoid, tanh, ...")] = "linear",
    y: Annotated[
        str | None, typer.Option("--y", help="Target: adds the loss and the gradients (a batch: one per example).")
    ] = None,
    loss: Annotated[
        str | None, typer.Option("--loss", help="Any loss: mse (default), sse, half_squared, bce, ...")
    ] = None,
    lr: Annotated[float | None, typer.Option("--lr", help="Learning rate: adds the updated w and b.")] = None,
    upstream: Annotated[
        str | None,
        typer.Option("--upstream", help="dL/da given instead of --y and --loss: backpropagate it (one per example)."),
    ] = None,
    reduction: Annotated[
        str, typer.Option("--reduction", help="A batch's loss over its examples: mean or sum.")
    ] = "mean",
    optimizer: OptimizerOption = None,
    input_gradients: Annotated[
        bool, typer.Option("--input-gradients", help="Add dL/dx, the gradient with respect to the input.")
    ] = False,
    symbolic: Annotated[bool, typer.Option("--symbolic", help="Derive with symbols w, x, b, y.")] = False,
    examples: Annotated[
        int | None,
        typer.Option("--examples", help="With --symbolic: a batch of this many examples, reduced by --reduction."),
    ] = None,
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
) -> None:
    """One neuron a = f(w·x + b): forward pass, loss, chain rule factor by factor, update."""
    from solver.kinds.dense import neuron as kind

    given = kind.Given(
        w=None if w is None else parse_numbers(w, "--w"),
        x=_numbers_or_rows(x, "--x"),
        b=b,
        activation=act,
        y=None if y is None else parse_numbers(y, "--y"),
        loss=loss,
        learning_rate=lr,
        upstream=None if upstream is None else parse_numbers(upstream, "--upstream"),
        reduction=_one_of(reduction, ("mean", "sum"), "--reduction"),  # type: ignore[arg-type]
        optimizer=parse_optimizer_option(optimizer),
        input_gradients=input_gradients,
        symbolic=symbolic,
        examples=examples,
    )
    options = {
        "w": "--w",
        "x": "--x",
        "b": "--b",
        "activation": "--act",
        "y": "--y",
        "loss": "--loss",
        "learning_rate": "--lr",
        "upstream": "--upstream",
        "optimizer": "--optimizer",
        "input_gradients": "--input-gradients",
        "examples": "--examples",
    }
    emit(solve_naming_options(kind.solve, given, options), chosen_format(fmt, as_json))


def loss_table(
    y: Annotated[str, typer.Option("--y", help="Target(s): 1 or 0,1,0 (one-hot for cross_entropy); rows by ';'.")],
    y_hat: Annotated[str, typer.Option("--y-hat", help="Prediction(s), as many as targets (rows by ';' too).")],
    losses: Annotated[
        str | None, typer.Option("--losses", help="Comma-separated: mse,mae,huber,bce,cross_entropy,hinge,nll,...")
    ] = None,
    delta: Annotated[float, typer.Option("--delta", help="δ of the Huber loss.")] = 1.0,
    reduction: Annotated[
        str | None, typer.Option("--reduction", help="mean or sum (default: each loss's own, as its name says).")
    ] = None,
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
) -> None:
    """The loss table of seed 002: each loss and its derivative for given y and ŷ."""
    from solver.kinds.dense import loss as kind

    names = [n.strip() for n in losses.split(",") if n.strip()] if losses else list(kind.TABLE_LOSSES)
    given = kind.Given(
        y=_numbers_or_rows(y, "--y"),
        y_hat=_numbers_or_rows(y_hat, "--y-hat"),
        losses=names,
        huber_delta=delta,
        reduction=reduction,
    )
    options = {
        "y": "--y",
        "y_hat": "--y-hat",
        "losses": "--losses",
        "huber_delta": "--delta",
        "reduction": "--reduction",
    }
    emit(solve_naming_options(kind.solve, given, options), chosen_format(fmt, as_json))


#: ``W=`` or ``b=`` where a layer's setting starts: after a space or at the start (a path may hold '=').
_SETTING = re.compile(r"(?:^|\s)([A-Za-z_]\w*)=")
#: How a layer's settings may be written -> the ``LayerGiven`` field they set.
_LAYER_SETTINGS = {"w": "weights", "weights": "weights", "b": "bias", "bias": "bias"}


def parse_layer_option(text: str, number: int, symbolic: bool = False) -> dict[str, Any]:
    """``--layer "3 tanh W=0.1 0.2; 0.3 0.4; 0.5 0.6 b=0 0 0.1"`` -> the fields of the mlp kind's layer.

    Before the settings: the number of units and the activation, each optional, in either
    order.  Then ``W=`` (rows by ';', or a .npy/.csv/.txt file; needed unless ``symbolic``,
    where the units are enough) and ``b=`` (numbers, one number for every unit, ``folded``
    or ``none``), each running to the next setting.
    """
    where = f"--layer {number} ({text.strip()!r})"
    settings = list(_SETTING.finditer(text))
    head = text[: settings[0].start()] if settings else text
    layer: dict[str, Any] = _layer_head(head.split(), where)
    for index, setting in enumerate(settings):
        end = settings[index + 1].start() if index + 1 < len(settings) else len(text)
        key = setting[1].lower()
        if key not in _LAYER_SETTINGS:
            raise InputError(f"{where}: unknown setting {setting[1]!r}; expected W= (weights) and b= (bias)")
        field = _LAYER_SETTINGS[key]
        if field in layer:
            raise InputError(f"{where}: {setting[1]}= is given twice; expected it once")
        value = text[setting.end() : end].strip()
        if not value:
            raise InputError(f"{where}: {setting[1]}= has no value")
        layer[field] = _layer_weights(value, where) if field == "weights" else _layer_bias(value, where)
    weights, units = layer.get("weights"), layer.get("units")
    if weights is None and not symbolic:
        raise InputError(f"{where}: W= is missing; expected the weights, one row per unit (units × inputs)")
    if weights is not None and units is not None and len(weights) != units:
        raise InputError(f"{where}: {units} units but W has {len(weights)} rows; expected one row per unit")
    return layer


def _layer_head(words: list[str], where: str) -> dict[str, Any]:
    """The words before the settings: a number of units and an activation, at most one of each."""
    numbers = [w for w in words if w.isdigit()]
    names = [w for w in words if not w.isdigit()]
    if len(numbers) > 1 or len(names) > 1:
        raise InputError(
            f"{where}: expected at most a number of units and an activation before W= and b=, got {' '.join(words)!r}"
        )
    head: dict[str, Any] = {"activation": names[0]} if names else {}
    if numbers:
        head["units"] = int(numbers[0])
        if head["units"] < 1:
            raise InputError(f"{where}: 0 units; expected 1 or more")
    return head


def _layer_weights(value: str, where: str) -> list[list[float]]:
    import numpy as np

    from solver.files.matrices import load_matrix

    weights = np.atleast_2d(load_matrix(value, f"{where} W"))
    if weights.ndim != 2:
        raise InputError(f"{where}: W has {weights.ndim} axes; expected units × inputs")
    return weights.tolist()


def _layer_bias(value: str, where: str) -> float | list[float] | str:
    return value.lower() if value.lower() in ("folded", "none") else parse_numbers(value, f"{where} b")


def _one_of(value: str, allowed: tuple[str, ...], option: str) -> str:
    if value not in allowed:
        raise InputError(f"{option} {value!r}; expected one of: {', '.join(allowed)}")
    return value


def _numbers_or_rows(text: str | None, option: str) -> Any:
    """A neuron's ``--x``, the loss table's ``--y``: numbers (one example), or rows by ';' (a batch, as in the
    other commands' matrices)."""
    if text is None:
        return None
    return _examples_option(text, option) if ";" in text else parse_numbers(text, option)


def _examples_option(text: str | None, option: str) -> Any:
    """A vector (one example) or rows by ';' (one example each), as nested lists."""
    if text is None:
        return None
    from solver.files.matrices import load_matrix

    values = load_matrix(text, option).tolist()
    return values[0] if isinstance(values, list) and len(values) == 1 and not isinstance(values[0], list) else values


def mlp(
    layer: Annotated[
        list[str],
        typer.Option(
            "--layer",
            "-l",
            help="A layer, first to last: '[UNITS] [ACT] W=ROWS b=BIAS', e.g. "
            "'tanh W=0.1 0.2; 0.3 0.4 b=0 0.1' (rows by ';'; W= may name a .npy/.csv/.txt file; "
            "b= numbers, one for all units, folded or none; UNITS alone with --symbolic).",
        ),
    ],
    x: Annotated[str | None, typer.Option("--x", help="Input: '1 2'; several examples as rows: '1 2; 0.5 -1'.")] = None,
    y: Annotated[
        str | None, typer.Option("--y", help="Target(s): adds the loss and backpropagation; rows per example.")
    ] = None,
    loss: Annotated[
        str | None, typer.Option("--loss", help="mse (default), sse, half_squared, bce, cross_entropy, ...")
    ] = None,
    lr: Annotated[float | None, typer.Option("--lr", help="Learning rate: adds the updated weights.")] = None,
    steps: Annotated[int, typer.Option("--steps", help="Gradient-descent steps (with --lr).")] = 1,
    optimizer: OptimizerOption = None,
    reduction: Annotated[
        str | None,
        typer.Option("--reduction", help="Several examples: sum or mean (default: mean with --batch, else sum)."),
    ] = None,
    batch: Annotated[
        bool, typer.Option("--batch", help="Work the examples as one batch of matrices, Z = X·Wᵀ + b.")
    ] = False,
    upstream: Annotated[
        str | None, typer.Option("--upstream", help="dL/dŷ given instead of --y and --loss: backpropagate it.")
    ] = None,
    input_gradients: Annotated[
        bool, typer.Option("--input-gradients", help="Add dL/dx and every hidden layer's dL/da.")
    ] = False,
    frozen: Annotated[
        str | None, typer.Option("--frozen", help="Parameters kept fixed, comma-separated: 'b1,b2'.")
    ] = None,
    form: Annotated[str, typer.Option("--form", help="auto, scalar (unit by unit) or vector.")] = "auto",
    delta: Annotated[float, typer.Option("--delta", help="δ of the Huber loss.")] = 1.0,
    symbolic: Annotated[bool, typer.Option("--symbolic", help="Derive with symbols (give UNITS per layer).")] = False,
    inputs: Annotated[int | None, typer.Option("--inputs", help="Number of inputs with --symbolic.")] = None,
    examples: Annotated[
        int | None,
        typer.Option("--examples", help="With --symbolic: a batch of this many examples, reduced by --reduction."),
    ] = None,
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
    full: FullOption = False,
) -> None:
    """A dense network of any width: forward pass, loss, backpropagation (delta rule) and update."""
    from solver.kinds.dense import mlp as kind

    given = kind.Given(
        layers=[kind.LayerGiven(**parse_layer_option(text, i, symbolic)) for i, text in enumerate(layer, start=1)],
        x=_examples_option(x, "--x"),
        y=_examples_option(y, "--y"),
        loss=loss,
        learning_rate=lr,
        optimizer=parse_optimizer_option(optimizer),
        steps=steps,
        reduction=None if reduction is None else _one_of(reduction, ("sum", "mean"), "--reduction"),  # type: ignore[arg-type]
        batch=batch,
        upstream=_examples_option(upstream, "--upstream"),
        input_gradients=input_gradients,
        frozen=None if frozen is None else [name.strip() for name in frozen.split(",") if name.strip()],
        form=_one_of(form, ("auto", "scalar", "vector"), "--form"),  # type: ignore[arg-type]
        huber_delta=delta,
        symbolic=symbolic,
        inputs=inputs,
        examples=examples,
    )
    options = {
        "layers": "--layer",
        "x": "--x",
        "y": "--y",
        "loss": "--loss",
        "learning_rate": "--lr",
        "steps": "--steps",
        "optimizer": "--optimizer",
        "upstream": "--upstream",
        "frozen": "--frozen",
        "input_gradients": "--input-gradients",
        "batch": "--batch",
        "huber_delta": "--delta",
        "inputs": "--inputs",
        "examples": "--examples",
    }
    emit(solve_naming_options(kind.solve, given, options), chosen_format(fmt, as_json), full)


def perceptron(
    x: Annotated[str, typer.Option("--x", help="The examples, one row each: '0 0; 0 1; 1 0; 1 1'.")],
    y: Annotated[str, typer.Option("--y", help="Their labels: '0 0 0 1' (or -1/1 with --labels bipolar).")],
    w: Annotated[str | None, typer.Option("--w", help="Initial weights (default all 0).")] = None,
    b: Annotated[str, typer.Option("--b", help="Initial bias, or none when x holds a constant input.")] = "0",
    lr: Annotated[float, typer.Option("--lr", help="Learning rate η.")] = 1.0,
    labels: Annotated[str, typer.Option("--labels", help="binary (1/0) or bipolar (+1/−1).")] = "binary",
    strict: Annotated[
        bool, typer.Option("--strict", help="Output the positive label only for w·x + b > 0 (default: ≥ 0).")
    ] = False,
    max_epochs: Annotated[int, typer.Option("--max-epochs", help="Stop after this many epochs.")] = 10,
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
    full: FullOption = False,
) -> None:
    """A perceptron trained by the perceptron learning rule, epoch by epoch until an epoch without a mistake."""
    import numpy as np

    from solver.files.matrices import load_matrix
    from solver.kinds.dense import perceptron as kind

    given = kind.Given(
        x=np.atleast_2d(load_matrix(x, "--x")).tolist(),
        y=np.atleast_1d(parse_numbers(y, "--y")).tolist(),
        w=None if w is None else np.atleast_1d(parse_numbers(w, "--w")).tolist(),
        b="none" if b.strip().lower() == "none" else _number(b, "--b"),
        learning_rate=lr,
        labels=_one_of(labels, ("binary", "bipolar"), "--labels"),  # type: ignore[arg-type]
        fires_at_zero=not strict,
        max_epochs=max_epochs,
    )
    options = {"x": "--x", "y": "--y", "w": "--w", "learning_rate": "--lr", "max_epochs": "--max-epochs"}
    emit(solve_naming_options(kind.solve, given, options), chosen_format(fmt, as_json), full)


def _number(text: str, option: str) -> float:
    value = parse_numbers(text, option)
    if isinstance(value, list):
        raise InputError(f"{option}: {text!r} is a list; expected one number")
    return value


Scores = Annotated[
    str, typer.Argument(help="Class scores: '2.0 1.0 0.1', or one row per example: '3.2 5.1 -1.7; 1.3 4.9 2.0'.")
]
Target = Annotated[str, typer.Option("--target", "-t", help="True class of each row, counted from 0: 0 or 0,1,2.")]
Reduction = Annotated[str, typer.Option("--reduction", help="Over the examples: mean (default) or sum.")]
SCORE_OPTIONS = {"scores": "SCORES", "target": "--target", "reduction": "--reduction", "margin": "--margin"}


def parse_classes(text: str) -> int | list[int]:
    """``"0,1,2"`` -> [0, 1, 2]; ``"0"`` -> 0: class indices, whole numbers only."""
    values = parse_numbers(text, "--target")
    if any(v != int(v) for v in (values if isinstance(values, list) else [values])):
        raise InputError(f"--target: {text!r} is not a class index; expected whole numbers counted from 0")
    return [int(v) for v in values] if isinstance(values, list) else int(values)


def softmax(
    scores: Scores,
    target: Target,
    reduction: Reduction = "mean",
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
) -> None:
    """Softmax and cross-entropy on class scores: the shift, p, the loss and dL/ds = p − y."""
    from solver.kinds.dense import softmax as kind

    given = kind.Given(scores=scores, target=parse_classes(target), reduction=reduction)
    emit(solve_naming_options(kind.solve, given, SCORE_OPTIONS), chosen_format(fmt, as_json))


def svm(
    scores: Scores,
    target: Target,
    margin: Annotated[float, typer.Option("--margin", help="The margin Δ.")] = 1.0,
    reduction: Reduction = "mean",
    fmt: FormatOption = OutputFormat.term,
    as_json: JsonOption = False,
) -> None:
    """Multiclass SVM (hinge) loss on class scores: the margins, the loss and dL/ds."""
    from solver.kinds.dense import svm as kind

    given = kind.Given(scores=scores, target=parse_classes(target), margin=margin, reduction=reduction)
    emit(solve_naming_options(kind.solve, given, SCORE_OPTIONS), chosen_format(fmt, as_json))


def register(app: typer.Typer) -> None:
    app.command("neuron")(neuron)
    app.command("mlp")(mlp)
    app.command("perceptron")(perceptron)
    app.command("loss")(loss_table)
    app.command("softmax")(softmax)
    app.command("svm")(svm)
