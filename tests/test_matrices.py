"""Matrix parsing: text rows, JSON, files, and the errors students and users make."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from solver.files.matrices import load_matrix, parse_matrix
from solver.graph.errors import InputError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 0 1; 0 1 0", [[1, 0, 1], [0, 1, 0]]),
        ("1,0,1;0,1,0", [[1, 0, 1], [0, 1, 0]]),
        ("1, 0 ,1 ;\n 0 1 0;", [[1, 0, 1], [0, 1, 0]]),
        ("1 0 1\n0 1 0\n", [[1, 0, 1], [0, 1, 0]]),
        ("[[1,0,1],[0,1,0]]", [[1, 0, 1], [0, 1, 0]]),
        ("-1.5 2e3", [-1.5, 2000]),
        ("[1, 2, 3]", [1, 2, 3]),
        ("7", [7]),
    ],
)
def test_accepted_forms(text, expected):
    result = parse_matrix(text, "m")
    assert result.dtype == float
    assert result.tolist() == expected


def test_channels_from_json_nesting():
    result = parse_matrix("[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]", "image")
    assert result.shape == (2, 2, 2)
    assert result[1, 0, 1] == 6


@given(st.lists(st.lists(st.integers(-99, 99), min_size=3, max_size=3), min_size=1, max_size=5))
def test_text_and_json_agree(rows):
    text = "; ".join(" ".join(str(x) for x in row) for row in rows)
    json_text = str(rows)
    expected = np.array(rows, dtype=float)
    if len(rows) == 1:
        expected = expected[0]
    assert np.array_equal(parse_matrix(text), expected)
    assert np.array_equal(parse_matrix(json_text), np.array(rows, dtype=float))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1 2 3; 4 5", "row 2 has 2 entries but row 1 has 3"),
        ("[[1,2,3],[4,5]]", "row 2 has 2 entries but row 1 has 3"),
        ("[[[1,2],[3,4]],[[1,2],[3]]]", "channel 2, row 2 has 1 entry but channel 2, row 1 has 2"),
        ("[[[1,2],[3,4]],[[1,2]]]", "channel 2 has 1 row but channel 1 has 2"),
        ("1 2; 3 x", "row 2, column 2 ('x') is not a number"),
        ('[[1,"a"]]', 'row 1, column 2 ("a") is not a number'),
        ("[[1, true]]", "row 1, column 2 (true) is not a number"),
        ("1 nan", "('nan') is not a number"),
        ("", "answer is empty"),
        ("  ;  ", "answer has no entries"),
        ("[]", "empty list"),
        ("[[1,2]", "not valid JSON"),
        ("[[1,2],3]", "mixes numbers and lists"),
        ("__import__('os')", "is not a number"),
        ("[[[[1]]]]", "more than 3 axes"),
    ],
)
def test_bad_text_is_an_input_error_that_says_where(text, message):
    with pytest.raises(InputError) as caught:
        parse_matrix(text, "answer")
    assert message in str(caught.value)


def test_files(tmp_path):
    (tmp_path / "m.txt").write_text("1 2\n3 4\n")
    (tmp_path / "m.csv").write_text("1,2\n3,4\n")
    np.save(tmp_path / "m.npy", np.array([[1, 2], [3, 4]]))
    for name in ("m.txt", "m.csv", "m.npy"):
        assert load_matrix(str(tmp_path / name), "image").tolist() == [[1, 2], [3, 4]]
    assert load_matrix("1 2; 3 4", "image").tolist() == [[1, 2], [3, 4]]


def test_unreadable_files(tmp_path):
    with pytest.raises(InputError, match=r"cannot read the kernel file .*missing\.npy"):
        load_matrix(str(tmp_path / "missing.npy"), "kernel")
    (tmp_path / "bad.npy").write_bytes(b"not numpy")
    with pytest.raises(InputError, match="cannot read the kernel file"):
        load_matrix(str(tmp_path / "bad.npy"), "kernel")
    (tmp_path / "ragged.csv").write_text("1,2\n3\n")
    with pytest.raises(InputError, match=r"kernel \(.*ragged.csv\): row 2 has 1 entry but row 1 has 2"):
        load_matrix(str(tmp_path / "ragged.csv"), "kernel")
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(InputError, match="cannot read"):
        load_matrix(str(tmp_path / "objects.npy"), "kernel")


@pytest.mark.parametrize("layout", ["1\n", "1;", "1, ", "1\r\n"])
def test_too_many_entries_are_refused_before_any_row_is_read(tmp_path, monkeypatch, layout):
    from solver.files import matrices

    def never(*args):
        raise AssertionError("a row was converted before the entries were counted")

    monkeypatch.setattr(matrices, "_row_values", never)
    path = tmp_path / "column.txt"
    path.write_text(layout * (matrices.MAX_ENTRIES + 1))
    with pytest.raises(InputError, match=f"has {matrices.MAX_ENTRIES + 1} entries; expected at most"):
        load_matrix(str(path), "image")


@given(st.lists(st.lists(st.integers(-99, 99), min_size=1, max_size=4), min_size=1, max_size=4))
def test_entries_counted_ahead_are_the_entries_read(rows):
    from solver.files.matrices import _count_entries

    text = " ;\n".join(", ".join(str(n) for n in row) for row in rows)
    assert _count_entries(text) == sum(len(row) for row in rows)
