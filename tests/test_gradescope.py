"""The Gradescope autograder, as Gradescope runs it: a real zip, unpacked, set up with pip, run per submission.

The zip is built once (with a wheel pip builds from this checkout), unpacked into
a folder laid out like /autograder, and its setup.sh installs the wheel into a
fresh virtual environment without network (the dependencies come from this test
environment's own site-packages).  Each submission then runs run_autograder as a
process; its results.json is checked against Gradescope's specification
(``gradescope_spec``) and its score against ``nnsolve grade --json``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import PROBLEMS
from gradescope_spec import results_problems

HOMEWORK = PROBLEMS / "homework1.yaml"
SUBMISSIONS = PROBLEMS / "submissions"
#: A backstop only: one run takes a second or two.
RUN_TIMEOUT = 120


def metadata(sid: str | None = "s03", email: str = "cleo@example.edu") -> dict:
    user = {"email": email, "id": 1234, "name": "Cleo Carry", **({"sid": sid} if sid is not None else {})}
    return {
        "id": 123456,
        "created_at": "2026-11-20T14:22:32.365935-07:00",
        "assignment": {"due_date": "2026-11-30T23:00:00.000000-07:00", "id": 25828, "title": "Homework 1"},
        "submission_method": "upload",
        "users": [user],
        "previous_submissions": [],
    }


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    """The zip of homework1, with a wheel built by pip from this checkout (the command's own default)."""
    from solver.cli import main

    out = tmp_path_factory.mktemp("zip") / "autograder.zip"
    assert main(["gradescope", "build", str(HOMEWORK), "-o", str(out)]) == 0
    return out


def dependencies_without_nnsolve(folder: Path) -> Path:
    """A folder of links to everything this environment has installed, nnsolve excepted."""
    import pip

    folder.mkdir()
    sites = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], str(Path(pip.__file__).parents[1])]
    for site in dict.fromkeys(sites):
        for entry in Path(site).iterdir():
            nnsolve = entry.name in ("solver", "grader") or "nnsolve" in entry.name.lower()
            if not nnsolve and not (folder / entry.name).exists():
                (folder / entry.name).symlink_to(entry)
    return folder


@pytest.fixture(scope="module")
def environment(tmp_path_factory, autograder_zip) -> dict[str, str]:
    """The environment run_autograder sees once setup.sh has run in a fresh venv: PATH leads to its nnsolve."""
    pytest.importorskip("pip")
    here = tmp_path_factory.mktemp("venv")
    venv = here / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=RUN_TIMEOUT)
    site = next((venv / "lib").glob("python*/site-packages"))
    # The dependencies (and pip itself) are this environment's, so setup.sh needs no network; nnsolve is
    # left out of them (it may be installed here, editable), so that the venv's can only be the wheel's.
    (site / "test-dependencies.pth").write_text(f"{dependencies_without_nnsolve(here / 'deps')}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env |= {"PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", "PIP_NO_INDEX": "1"}
    source = here / "source"
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(source)
    subprocess.run(["bash", str(source / "setup.sh")], env=env, check=True, capture_output=True, timeout=RUN_TIMEOUT)
    return env


@pytest.fixture
def autograder_root(tmp_path, autograder_zip) -> Path:
    """A folder laid out like /autograder: source/ (the zip unpacked), run_autograder copied beside it."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)
    (root / "submission").mkdir()
    (root / "results").mkdir()
    return root


def submit(root: Path, files: dict[str, str | Path], meta: dict | None) -> None:
    for name, content in files.items():
        target = root / "submission" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copy(content, target)
        else:
            target.write_text(content, encoding="utf-8")
    if meta is not None:
        (root / "submission_metadata.json").write_text(json.dumps(meta), encoding="utf-8")


def run_autograder(root: Path, environment: dict[str, str]) -> tuple[dict, str]:
    done = subprocess.run(
        [str(root / "run_autograder")], env=environment, capture_output=True, text=True, timeout=RUN_TIMEOUT
    )
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert results_problems(results) == []
    return results, done.stdout + done.stderr


def run_here(cli, root: Path, status: int = 0) -> tuple[dict, str]:
    """``nnsolve gradescope run --root ROOT`` in this process (what run_autograder runs), for the cases
    that do not need the installed wheel: each process run costs seconds.  Its output, for the instructor,
    is stdout, or the one error line when the autograder's own input is bad (status 2)."""
    result = cli("gradescope", "run", "--root", root)
    assert result.code == status, result.err
    if status == 2:
        assert result.err.startswith("nnsolve: error: ") and result.err.count("\n") == 1, result.err
    else:
        assert result.err == ""
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert results_problems(results) == []
    return results, result.out + result.err


def run(request, root: Path, in_process: bool, status: int = 0) -> tuple[dict, str]:
    if in_process:
        return run_here(request.getfixturevalue("cli"), root, status)
    return run_autograder(root, request.getfixturevalue("environment"))


def grade_json(cli, path: Path) -> dict:
    result = cli("grade", HOMEWORK, path, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)[0]


def asked_step_names() -> list[str]:
    """``q1 · padded_h`` for every asked step, read from the homework file itself."""
    data = yaml.safe_load(HOMEWORK.read_text(encoding="utf-8"))
    return [f"{problem['id']} · {step}" for problem in data["problems"] for step in problem["ask"]]


# -- the zip ----------------------------------------------------------------------------------------


def test_the_zip_has_the_scripts_at_its_root_and_the_course_files(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as archive:
        entries = {entry.filename: entry for entry in archive.infolist()}
        settings = json.loads(archive.read("nnsolve-autograder.json"))
    for script in ("setup.sh", "run_autograder"):
        assert entries[script].external_attr >> 16 & 0o111, f"{script} is not executable"
    wheels = [name for name in entries if name.endswith(".whl")]
    assert len(wheels) == 1 and wheels[0].startswith("nnsolve-") and "/" not in wheels[0]
    referenced = {p["file"] for p in yaml.safe_load(HOMEWORK.read_text(encoding="utf-8"))["problems"] if "file" in p}
    assert {name for name in entries if name.startswith("course/")} == {
        "course/homework1.yaml",
        *(f"course/{file}" for file in referenced),
    }
    assert settings == {"homework": "course/homework1.yaml", "expected_after_due_date": False}


def test_setup_installs_the_wheel_and_run_autograder_uses_it(environment):
    done = subprocess.run(
        ["python3", "-c", "import solver, grader; print(solver.__file__); print(grader.__file__)"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        cwd="/",
    )
    venv = Path(environment["PATH"].split(os.pathsep)[0]).parent
    modules = done.stdout.splitlines()
    assert len(modules) == 2, done.stderr
    for module in modules:
        assert Path(module).is_relative_to(venv), f"{module} is not the installed wheel's"
    assert shutil.which("nnsolve", path=environment["PATH"]).startswith(str(venv))


# -- run_autograder on real submissions ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "in_process"),
    [("ada_correct.yaml", False), ("cleo_carried_forward.yaml", False), ("eve_dense_mistakes.yaml", True)],
)
def test_each_asked_step_is_a_test_and_the_score_is_grades(request, cli, autograder_root, answers, in_process):
    submit(autograder_root, {"answers.yaml": SUBMISSIONS / answers}, metadata(sid="gs-0003"))
    results, stdout = run(request, autograder_root, in_process)
    graded = grade_json(cli, SUBMISSIONS / answers)
    assert results["score"] == graded["score"]
    tests = results["tests"]
    assert [t["name"] for t in tests] == asked_step_names()
    by_name = {f"{i['problem']} · {i['step']}": i for i in graded["items"]}
    for test in tests:
        item = by_name[test["name"]]
        assert (test["score"], test["max_score"]) == (item["score"], item["max_score"])
        full = item["status"] == "correct" or item["score"] == item["max_score"] > 0
        assert test["status"] == ("passed" if full else "failed")
        assert test["tags"] == [item["status"], *([item["mistake"]] if item["mistake"] else [])]
        assert test["visibility"] == "visible" and test["output_format"] == "md"
    assert sum(t["score"] for t in tests) == pytest.approx(results["score"])
    # The student is who Gradescope says, not who the file says.
    assert f"graded gs-0003 (the file says {graded['student']!r})" in stdout


def test_carried_forward_credit_says_so_in_the_feedback(cli, autograder_root):
    submit(autograder_root, {"answers.yaml": SUBMISSIONS / "cleo_carried_forward.yaml"}, metadata())
    results, _ = run_here(cli, autograder_root)
    out_h = next(t for t in results["tests"] if t["name"] == "q1 · out_h")
    # Cleo's padded height is 15, not 9 + 2·4 = 17; her out_h of floor((15 - 5) / 3) + 1 = 4 is right for
    # it: carried forward, less the homework's penalty of 0.2.
    assert out_h["score"] == 0.8 and "carried_forward" in out_h["tags"]
    assert "padded\\_h = 15" in out_h["output"]


def test_without_a_student_id_the_email_names_the_student(cli, autograder_root):
    submit(autograder_root, {"answers.yaml": SUBMISSIONS / "ada_correct.yaml"}, metadata(sid=None, email="x@e.edu"))
    results, stdout = run_here(cli, autograder_root)
    assert "graded x@e.edu (the file says 's01')" in stdout
    assert results["score"] == 54.0


ADA = SUBMISSIONS / "ada_correct.yaml"


#: The failures run as Gradescope runs them (a process of the installed wheel); the others in this process.
IN_A_PROCESS = {"bad-yaml", "empty-folder", "no-metadata"}


@pytest.mark.parametrize(
    ("files", "meta", "reason"),
    [
        ({"answers.yaml": "student: s01\nanswers: {q1: {padded_h: [\n"}, metadata(), "cannot be used"),
        ({"answers.yaml": SUBMISSIONS / "hal_broken.yaml"}, metadata(), "cannot be used"),
        ({}, metadata(), "no answers file in your submission"),
        ({"notes.txt": "17"}, metadata(), "no answers file in your submission (found notes.txt)"),
        ({"a.yaml": ADA, "b/c.yml": ADA}, metadata(), "2 answers files in your submission (a.yaml, b/c.yml)"),
        ({"answers.yaml": ADA}, None, "metadata (submission\\_metadata.json) is missing"),
        ({"answers.yaml": ADA}, {"users": []}, "names no submitter"),
        ({"answers.yaml": ADA}, metadata(sid="", email=""), "no student id (sid) or email"),
    ],
    ids=["bad-yaml", "broken-file", "empty-folder", "no-yaml", "two-files", "no-metadata", "no-users", "no-id"],
)
def test_whatever_goes_wrong_the_student_gets_a_failing_test_and_zero(
    request, cli, autograder_root, files, meta, reason
):
    submit(autograder_root, files, meta)
    # Gradescope's metadata is the autograder's input, not the student's: bad, it is also an error line.
    metadata_problem = request.node.callspec.id in {"no-metadata", "no-users", "no-id"}
    status = 2 if metadata_problem else 0
    results, output = run(request, autograder_root, request.node.callspec.id not in IN_A_PROCESS, status)
    assert results["score"] == 0
    [test] = results["tests"]
    assert test["status"] == "failed" and test["visibility"] == "visible" and test["score"] == 0
    assert test["max_score"] == 54.0
    assert reason in test["output"], test["output"]
    assert ("nnsolve: error: " in output and reason.replace("\\", "") in output) if metadata_problem else (
        "not graded" in output
    )
    if reason == "cannot be used":  # nnsolve grade agrees that the file earns nothing
        assert grade_json(cli, autograder_root / "submission" / "answers.yaml")["score"] == 0


# -- in this process: the settings, a crash, expected values after the due date ---------------------------


def test_a_crash_still_writes_results_and_the_details_go_to_stdout(cli, autograder_root, monkeypatch):
    import grader.grading

    def explode(*_):
        raise RuntimeError("boom")

    monkeypatch.setattr(grader.grading, "grade_submission", explode)
    submit(autograder_root, {"answers.yaml": SUBMISSIONS / "ada_correct.yaml"}, metadata())
    result = cli("gradescope", "run", "--root", autograder_root)
    assert result.code == 1 and result.err == ""
    results = json.loads((autograder_root / "results" / "results.json").read_text(encoding="utf-8"))
    assert results_problems(results) == [] and results["score"] == 0
    assert "grading failed inside the autograder" in results["tests"][0]["output"]
    assert "RuntimeError: boom" in result.out and "Traceback" in result.out
    assert "boom" not in json.dumps(results)  # the student does not see the autograder's insides


def test_a_root_without_the_autograder_still_gets_results(cli, tmp_path):
    result = cli("gradescope", "run", "--root", tmp_path)
    assert result.code == 2 and result.err.count("\n") == 1
    results = json.loads((tmp_path / "results" / "results.json").read_text(encoding="utf-8"))
    assert results_problems(results) == [] and results["score"] == 0 and len(results["tests"]) == 1
    assert "nnsolve-autograder.json" in result.err


def test_expected_values_can_wait_for_the_due_date(cli, autograder_root):
    settings = autograder_root / "source" / "nnsolve-autograder.json"
    settings.write_text(json.dumps({"homework": "course/homework1.yaml", "expected_after_due_date": True}))
    submit(autograder_root, {"answers.yaml": SUBMISSIONS / "cleo_carried_forward.yaml"}, metadata())
    assert cli("gradescope", "run", "--root", autograder_root).code == 0
    results = json.loads((autograder_root / "results" / "results.json").read_text(encoding="utf-8"))
    assert results_problems(results) == []
    *steps, key = results["tests"]
    padded_h = next(t for t in steps if t["name"] == "q1 · padded_h")  # Cleo wrote 15; 9 + 2·4 is 17
    assert "15" in padded_h["output"] and "17" not in padded_h["output"]
    assert all(t["visibility"] == "visible" and "Expected" not in t["output"] for t in steps)
    assert all("correct for your" not in t["output"] for t in steps)  # feedback waits too
    assert key["visibility"] == "after_due_date" and key["max_score"] == 0 and key["score"] == 0
    assert "**q1 · padded\\_h**: expected ` 17 `" in key["output"]
    assert results["score"] == grade_json(cli, SUBMISSIONS / "cleo_carried_forward.yaml")["score"]


def test_why_an_answer_cannot_be_read_is_said_before_the_due_date(cli, autograder_root):
    settings = autograder_root / "source" / "nnsolve-autograder.json"
    settings.write_text(json.dumps({"homework": "course/homework1.yaml", "expected_after_due_date": True}))
    submit(autograder_root, {"answers.yaml": "student: s01\nanswers:\n  q1: {padded_h: seventeen}\n"}, metadata())
    results, _ = run_here(cli, autograder_root)
    padded_h = next(t for t in results["tests"] if t["name"] == "q1 · padded_h")
    assert "invalid" in padded_h["tags"] and "expected a number" in padded_h["output"]
    assert "17" not in padded_h["output"]


@pytest.mark.parametrize(
    "settings",
    ['{"homework": "../../etc/x.yaml"}', '{"homework": "/etc/x.yaml"}', "[1]", "not json", '{"homework": 3}'],
)
def test_bad_settings_are_a_failing_test_not_a_crash(cli, autograder_root, settings):
    (autograder_root / "source" / "nnsolve-autograder.json").write_text(settings)
    submit(autograder_root, {"answers.yaml": SUBMISSIONS / "ada_correct.yaml"}, metadata())
    results, output = run_here(cli, autograder_root, status=2)
    assert results["score"] == 0 and "nnsolve-autograder.json" in output


def test_student_text_stays_literal_in_markdown():
    from grader.gradescope.results import code_span, markdown_text

    assert code_span("a ``b`` <script>") == "``` a ``b`` <script> ```"
    assert code_span("x\ny\x00z") == "` x y z `"
    assert code_span("1" * 300) == f"` {'1' * 200}… `" and code_span("1" * 300, None) == f"` {'1' * 300} `"
    assert markdown_text("*bold* [link](u) <b>") == "\\*bold\\* \\[link\\](u) \\<b\\>"


def test_macos_litter_and_links_are_not_answers_files(tmp_path):
    from grader.gradescope.run import answers_file

    (tmp_path / "__MACOSX").mkdir()
    (tmp_path / "__MACOSX" / "answers.yaml").write_text("x")
    (tmp_path / "._answers.yaml").write_text("x")
    (tmp_path / "linked.yaml").symlink_to(HOMEWORK)
    (tmp_path / "answers.yaml").write_text("student: s01\n")
    assert answers_file(tmp_path) == tmp_path / "answers.yaml"


# -- building from a homework of one's own ---------------------------------------------------------------

CONV_PROBLEM = """\
kind: conv
title: A 2x2 kernel on a 3x3 image read from a file
given:
  image: image.txt
  kernel: [[1, -1], [1, -1]]
"""


def course(tmp_path: Path, file_entry: str) -> Path:
    """A homework in ``tmp_path/course`` whose one problem is ``file_entry`` (a problem reading a matrix file)."""
    folder = tmp_path / "course"
    (folder / "maps").mkdir(parents=True)
    (folder / "maps" / "conv.yaml").write_text(CONV_PROBLEM)
    (folder / "maps" / "image.txt").write_text("1 2 3\n4 5 6\n7 8 9\n")
    homework = folder / "hw.yaml"
    homework.write_text(f"title: T\nproblems:\n  - id: q1\n    file: {file_entry}\n    ask: {{feature_map: 2}}\n")
    return homework


def test_files_in_subfolders_resolve_inside_the_zip(cli, tmp_path, autograder_zip):
    homework = course(tmp_path, "maps/conv.yaml")
    wheel = tmp_path / "nnsolve-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(autograder_zip) as archive:
        wheel.write_bytes(archive.read(wheel.name))
    out = tmp_path / "ag.zip"
    result = cli("gradescope", "build", homework, "-o", out, "--wheel", wheel, "--expected-after-due-date")
    assert result.code == 0, result.err
    assert "hw.yaml and 2 files it reads" in result.out
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(out) as archive:
        archive.extractall(unpacked)
        assert json.loads(archive.read("nnsolve-autograder.json"))["expected_after_due_date"] is True
    assert sorted(str(p.relative_to(unpacked)) for p in (unpacked / "course").rglob("*") if p.is_file()) == [
        "course/hw.yaml",
        "course/maps/conv.yaml",
        "course/maps/image.txt",
    ]
    shutil.rmtree(tmp_path / "course")  # the zip must stand alone
    solved = cli("solve", unpacked / "course" / "hw.yaml", "--json")
    assert solved.code == 0, solved.err


@pytest.mark.parametrize("entry", ["../elsewhere/conv.yaml", "ABSOLUTE", "link/conv.yaml"])
def test_files_outside_the_homework_folder_are_refused_and_nothing_is_written(cli, tmp_path, entry):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "conv.yaml").write_text(CONV_PROBLEM.replace("image.txt", "[[1, 2, 3], [4, 5, 6], [7, 8, 9]]"))
    homework = course(tmp_path, str(elsewhere / "conv.yaml") if entry == "ABSOLUTE" else entry)
    (homework.parent / "link").symlink_to(elsewhere)
    out = tmp_path / "out" / "ag.zip"
    out.parent.mkdir()
    result = cli("gradescope", "build", homework, "-o", out, "--wheel", tmp_path / "unused.whl")
    assert result.code == 2
    assert result.err.count("\n") == 1 and result.err.startswith("nnsolve: error: ")
    assert "outside its folder" in result.err
    assert list(out.parent.iterdir()) == []


def test_build_refuses_a_missing_folder_and_a_file_that_is_no_wheel(cli, tmp_path):
    missing = cli("gradescope", "build", HOMEWORK, "-o", tmp_path / "nowhere" / "ag.zip")
    assert missing.code == 2 and "no such folder" in missing.err
    folder = cli("gradescope", "build", HOMEWORK, "-o", tmp_path)
    assert folder.code == 2 and "a folder; expected -o to name a .zip file" in folder.err
    (tmp_path / "thing.txt").write_text("x")
    not_wheel = cli("gradescope", "build", HOMEWORK, "-o", tmp_path / "ag.zip", "--wheel", tmp_path / "thing.txt")
    assert not_wheel.code == 2 and "expected nnsolve's wheel file" in not_wheel.err
    assert not (tmp_path / "ag.zip").exists()


def test_run_autograder_writes_results_even_when_nnsolve_cannot_run(tmp_path):
    """The script is the last line of defence: with no nnsolve to run, the student still gets a result."""
    from grader.gradescope.build import RUN_AUTOGRADER

    script = tmp_path / "run_autograder"
    script.write_text(RUN_AUTOGRADER, encoding="utf-8")
    script.chmod(0o755)
    # The system's own commands only (mkdir, cat): no environment of Python packages, so no nnsolve.
    done = subprocess.run(
        ["/bin/bash", str(script)], env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=RUN_TIMEOUT
    )
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "results" / "results.json").read_text(encoding="utf-8"))
    assert results_problems(results) == [] and results["score"] == 0
    assert results["tests"][0]["status"] == "failed" and "did not run" in results["tests"][0]["output"]


def test_metadata_nested_beyond_reason_is_bad_input_not_a_crash(cli, autograder_root):
    submit(autograder_root, {"answers.yaml": SUBMISSIONS / "ada_correct.yaml"}, None)
    (autograder_root / "submission_metadata.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    results, output = run_here(cli, autograder_root, status=2)
    assert results["score"] == 0 and "nested too deeply" in output
