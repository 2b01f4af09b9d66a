"""No text from a file is ever run as code.

The package source is scanned for every call that can turn text into code
(or load a pickle); each one that remains is named in ``ALLOWED`` with what it
is fed and why that is text the program built itself.  A new call fails the
test until it is examined and named here; a named call that is gone fails it
too, so that the list stays true.  Then the attack itself is run: a problem
file's stated answer, an author's hint and a student's answer that would
create a file if they ever reached an evaluator.
"""

from __future__ import annotations

import ast
import json

import pytest
from conftest import PROBLEMS, ROOT

#: Called by bare name (or as builtins.NAME).
BUILTINS = {"eval", "exec", "compile", "__import__"}
#: Called as any_module.NAME or imported and called by name.
EVALUATORS = {"sympify", "parse_expr", "lambdify", "nsimplify", "S", "import_module"}
UNSAFE_YAML = {"load", "load_all", "unsafe_load", "unsafe_load_all", "full_load", "full_load_all"}
SAFE_LOADERS = {"SAFE_LOADER", "SafeLoader", "CSafeLoader"}

#: (file, enclosing function, call) -> what it is fed, and why that is never file text.
ALLOWED = {
    ("solver/kinds/dense/symbolic.py", "_symbolic_updates", "nsimplify"): (
        "the learning rate, a float the problem file's Given model has already validated as a number"
    ),
    ("solver/kinds/__init__.py", "kind_module", "import_module"): (
        "'solver.kinds.' + a module name looked up in the KINDS table; an unknown kind is refused first"
    ),
    ("solver/render/__init__.py", "renderer", "import_module"): (
        "a module named in the FORMATS table, a literal in the source; --format picks the entry"
    ),
    ("solver/cli/__init__.py", "register_commands", "import_module"): (
        "a module named in COMMAND_MODULES, a literal table in the source; the command line picks the entry"
    ),
}

SOURCES = sorted([*(ROOT / "solver").rglob("*.py"), *(ROOT / "grader").rglob("*.py")])


def _called_name(call: ast.Call) -> tuple[str, str | None]:
    """The called name and, for ``module.name(...)``, the module's name."""
    function = call.func
    if isinstance(function, ast.Name):
        return function.id, None
    if isinstance(function, ast.Attribute):
        owner = function.value.id if isinstance(function.value, ast.Name) else None
        return function.attr, owner
    return "", None


def _is_risky(call: ast.Call) -> bool:
    name, owner = _called_name(call)
    keywords = {k.arg: k.value for k in call.keywords}
    if name in BUILTINS and owner in (None, "builtins"):
        return True
    if name in EVALUATORS:
        return True
    if owner == "yaml" and name in UNSAFE_YAML:
        return True
    if owner == "pickle" and name in ("load", "loads"):
        return True
    loader = keywords.get("Loader")
    if loader is not None and _last_name(loader) not in SAFE_LOADERS:
        return True
    pickles = keywords.get("allow_pickle")
    return (
        name == "load"
        and owner in ("np", "numpy")
        and not (isinstance(pickles, ast.Constant) and pickles.value is False)
    )


def _last_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def risky_calls(source: str, where: str) -> list[tuple[str, str, str]]:
    """(where, enclosing function, call) for each risky call in ``source``."""
    tree = ast.parse(source)
    found = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.Call) and _is_risky(child):
                found.append((where, function, _called_name(child)[0]))
            visit(child, inner)

    visit(tree, "<module>")
    return found


def all_risky_calls() -> set[tuple[str, str, str]]:
    return {
        call
        for path in SOURCES
        for call in risky_calls(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
    }


def test_every_call_that_could_run_text_is_named_with_its_reason():
    unexamined = all_risky_calls() - set(ALLOWED)
    assert not unexamined, f"calls that could run file text; examine each and name it in ALLOWED: {unexamined}"


def test_every_named_call_still_exists():
    assert set(ALLOWED) <= all_risky_calls()


@pytest.mark.parametrize(
    "source",
    [
        "x = eval(text)",
        "exec(text)",
        "import builtins\nbuiltins.compile(text, 'f', 'exec')",
        "m = __import__(text)",
        "import sympy\nsympy.sympify(text)",
        "from sympy import sympify\nsympify(text)",
        "from sympy.parsing.sympy_parser import parse_expr\nparse_expr(text)",
        "import sympy\nsympy.lambdify(x, text)",
        "import yaml\nyaml.load(text, Loader=yaml.Loader)",
        "import yaml\nyaml.unsafe_load(text)",
        "import yaml\nyaml.full_load(text)",
        "import yaml\nyaml.compose(text, Loader=yaml.UnsafeLoader)",
        "import pickle\npickle.loads(data)",
        "import numpy as np\nnp.load(path, allow_pickle=True)",
        "import numpy as np\nnp.load(path)",
    ],
)
def test_the_scan_finds_each_kind_of_call(source):
    assert risky_calls(source, "probe.py"), source


@pytest.mark.parametrize(
    "source",
    [
        "import re\nre.compile(pattern)",
        "import yaml\nyaml.compose(text, Loader=SAFE_LOADER)",
        "import numpy as np\nnp.load(path, allow_pickle=False)",
        "model.evaluate(x)",
    ],
)
def test_the_scan_leaves_safe_calls_alone(source):
    assert not risky_calls(source, "probe.py"), source


# -- the attack, end to end ----------------------------------------------------------------------------

ATTACK = "__import__('os').system('touch CANARY')"


def test_a_stated_answer_that_is_code_is_refused_by_check(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = (PROBLEMS / "neuron_002_relu_mse_symbolic.yaml").read_text(encoding="utf-8")
    text = text.replace("  loss: (ReLU(w*x + b) - y)**2", f"  loss: {json.dumps(ATTACK)}")
    assert ATTACK in text
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    result = cli("check", "p.yaml")
    assert not (tmp_path / "CANARY").exists()
    assert result.code == 2
    line = text.splitlines().index(f"  loss: {json.dumps(ATTACK)}") + 1
    assert result.err.strip() == (
        f"nnsolve: error: p.yaml:{line}: source_answers.loss: cannot read the stated expression: "
        "unexpected character '_': names start with a letter (at character 1)"
    )


def test_a_stated_expression_in_the_problems_symbols_is_still_compared(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = (PROBLEMS / "neuron_002_relu_mse_symbolic.yaml").read_text(encoding="utf-8")
    (tmp_path / "p.yaml").write_text(text.replace("(ReLU(w*x + b) - y)**2", "(ReLU(w*x + b) - y)**3"))
    result = cli("check", "p.yaml")
    assert result.code == 3 and "✗ discrepancy loss" in result.out


def test_a_hint_whose_answer_is_code_is_refused_on_one_line(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hw.yaml").write_text(
        "title: t\nproblems:\n  - id: d\n    derive:\n      symbols: [x]\n      steps: {f: x^2}\n"
        f"    ask:\n      f: {{points: 1, hints: [{{answer: {json.dumps(ATTACK)}, message: m, score: 0}}]}}\n",
        encoding="utf-8",
    )
    result = cli("check", "hw.yaml")
    assert not (tmp_path / "CANARY").exists()
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1
    assert "names start with a letter (at character 1)" in result.err


def test_a_student_answer_that_is_code_is_invalid(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text(f"student: x\nanswers:\n  q10:\n    L: {json.dumps(ATTACK)}\n", encoding="utf-8")
    result = cli("grade", PROBLEMS / "homework1.yaml", "s.yaml", "--json")
    assert not (tmp_path / "CANARY").exists()
    assert result.code == 0, result.err
    (report,) = json.loads(result.out)
    (item,) = [i for i in report["items"] if (i["problem"], i["step"]) == ("q10", "L")]
    assert item["status"] == "invalid" and "names start with a letter" in item["feedback"]


def test_a_derivation_step_that_is_code_is_refused(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hw.yaml").write_text(
        f"title: t\nproblems:\n  - id: d\n    derive:\n      symbols: [x]\n      steps: {{f: {json.dumps(ATTACK)}}}\n"
        "    ask: {f: 1}\n",
        encoding="utf-8",
    )
    result = cli("check", "hw.yaml")
    assert not (tmp_path / "CANARY").exists()
    assert result.code == 2 and "names start with a letter" in result.err


# -- markup: file text is shown as text ------------------------------------------------------------------

MARKUP = "[/][bold]x"


def test_notation_must_be_a_name_never_markup(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = (PROBLEMS / "neuron_002_relu_mse_symbolic.yaml").read_text(encoding="utf-8")
    for shown in (MARKUP, "}\\input{/etc/passwd}"):
        (tmp_path / "p.yaml").write_text(text + f"notation: {{z: {json.dumps(shown)}}}\n", encoding="utf-8")
        result = cli("solve", "p.yaml", "--format", "md")
        line = len(text.splitlines()) + 1
        assert result.code == 2 and result.out == ""
        assert result.err.startswith(f"nnsolve: error: p.yaml:{line}: notation.z: {shown!r} is not a name")


def test_a_greek_or_primed_name_is_a_name(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = (PROBLEMS / "neuron_002_relu_mse_symbolic.yaml").read_text(encoding="utf-8")
    (tmp_path / "p.yaml").write_text(text + "notation: {z: ζ, a: a'}\n", encoding="utf-8")
    result = cli("solve", "p.yaml")
    assert result.code == 0 and "ζ = w·x + b" in result.out


def test_homework_titles_and_hint_messages_are_shown_as_text(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hw.yaml").write_text(
        f"title: {json.dumps(MARKUP)}\nproblems:\n  - id: d\n    title: {json.dumps(MARKUP)}\n"
        "    derive:\n      symbols: [x]\n      steps: {f: x^2}\n"
        f"    ask:\n      f: {{points: 1, hints: [{{answer: 2*x, message: {json.dumps(MARKUP)}, score: 0}}]}}\n",
        encoding="utf-8",
    )
    (tmp_path / "s.yaml").write_text("student: x\nanswers: {d: {f: 2*x}}\n", encoding="utf-8")
    solved = cli("solve", "hw.yaml")
    assert solved.code == 0, solved.err
    assert solved.out.count(MARKUP) == 2
    graded = cli("grade", "hw.yaml", "s.yaml", "--tables")
    assert graded.code == 0, graded.err
    assert MARKUP in graded.out
