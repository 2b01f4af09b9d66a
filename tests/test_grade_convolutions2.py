"""Transposed convolutions and padding are graded like every kind: classic mistakes are named."""

from __future__ import annotations

import json
import shutil

from conftest import PROBLEMS

HOMEWORK = """\
title: Transposed convolutions and padding
problems:
  - id: t1
    file: conv_transpose_d2l_stride_2.yaml
    ask: {feature_map: 2}
  - id: t2
    problem:
      kind: conv-size
      given: {input: 6, kernel: 3, stride: 2, padding: 1, output_padding: 1, transposed: true}
    ask: {out: 1}
  - id: p1
    problem:
      kind: pad
      given: {map: "1 2 3", padding: "0x2", mode: reflect}
    ask: {padded: 1}
"""

# Each answer is a classic slip: the kernel rotated before scattering it, the padding added as a
# forward convolution adds it, and a mirror that repeats the edge.
ANSWERS = """\
student: s1
name: Zoe
answers:
  t1: {feature_map: [[0, 0, 3, 2], [0, 0, 1, 0], [6, 4, 9, 6], [2, 0, 3, 0]]}
  t2: {out: 16}
  p1: {padded: [[2, 1, 1, 2, 3, 3, 2]]}
"""


def test_the_classic_mistakes_are_named(cli, tmp_path):
    shutil.copy(PROBLEMS / "conv_transpose_d2l_stride_2.yaml", tmp_path)
    (tmp_path / "homework.yaml").write_text(HOMEWORK, encoding="utf-8")
    (tmp_path / "zoe.yaml").write_text(ANSWERS, encoding="utf-8")
    result = cli("grade", tmp_path / "homework.yaml", tmp_path / "zoe.yaml", "--json")
    assert result.code == 0, result.err
    items = {item["problem"]: item for item in json.loads(result.out)[0]["items"]}
    assert {name: item["mistake"] for name, item in items.items()} == {
        "t1": "flipped_kernel",
        "t2": "padding_added",
        "p1": "edge_repeated",
    }
