"""The README's console examples are real: each `$ nnsolve ...` is run and its shown lines checked.

A command whose comment says "abridged" is only run (its output was shortened by hand);
otherwise every line shown must appear in the real output, in the same order (a line
``...`` marks where lines were left out).
Examples that name a file the repository does not have (an illustration of a bad file) are skipped.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from conftest import ROOT

BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def examples() -> list[tuple[str, list[str]]]:
    found = []
    for block in BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8")):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, *shown = chunk.rstrip("\n").split("\n")
            found.append((command, shown))
    return found


def in_order(shown: list[str], actual: list[str]) -> bool:
    position = 0
    for line in shown:
        while position < len(actual) and actual[position] != line:
            position += 1
        if position == len(actual):
            return False
        position += 1
    return True


@pytest.mark.parametrize(("command", "shown"), examples(), ids=[c for c, _ in examples()])
def test_readme_example(cli, monkeypatch, command, shown):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "120")  # the width the examples were captured at
    words = shlex.split(command, comments=True)
    assert words[0] == "nnsolve", command
    files = [w for w in words[1:] if w.endswith((".yaml", ".yml", ".npy", ".csv", ".txt")) and "=" not in w]
    if any(not Path(f).exists() for f in files):
        pytest.skip(f"illustrates a file that is not in the repository: {files}")
    result = cli(*words[1:])
    if "abridged" in command:
        assert result.code in (0, 3), result.err
        return
    actual = [line.rstrip() for line in (result.out + result.err).splitlines()]
    expected = [line.rstrip() for line in shown if line.strip() and line.strip() not in ("...", "…")]
    assert in_order(expected, actual), "\n".join(actual)
