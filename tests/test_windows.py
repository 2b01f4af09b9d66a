"""Output sizes checked against window positions enumerated one by one.

The references below slide a window along a padded axis and count where it
lands; they never use the output-size formula.
"""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from solver.kinds.sizes import conv_size, pool_size


def positions_floor(size: int, kernel: int, stride: int, before: int, after: int, dilation: int = 1) -> int:
    """Count window starts whose last tap stays inside the padded axis."""
    padded = size + before + after
    count, start = 0, 0
    while start + dilation * (kernel - 1) < padded:
        count += 1
        start += stride
    return count


def positions_ceil(size: int, kernel: int, stride: int, pad: int) -> int:
    """Ceil mode: keep sliding while the last window has not reached the padded end,
    then drop a final window that starts in the right padding (PyTorch's rule)."""
    padded = size + 2 * pad
    starts = [0]
    while starts[-1] + kernel < padded:
        starts.append(starts[-1] + stride)
    if starts[-1] >= size + pad:
        starts.pop()
    return len(starts)


sizes = st.integers(1, 40)
small = st.integers(1, 7)


@settings(deadline=None)  # a loaded machine may be slow: no test asserts a wall time
@given(
    h=sizes,
    w=sizes,
    kh=small,
    kw=small,
    sh=small,
    sw=small,
    ph=st.integers(0, 5),
    pw=st.integers(0, 5),
    dh=st.integers(1, 3),
    dw=st.integers(1, 3),
)
def test_conv_size_matches_enumeration(h, w, kh, kw, sh, sw, ph, pw, dh, dw):
    assume(dh * (kh - 1) + 1 <= h + 2 * ph and dw * (kw - 1) + 1 <= w + 2 * pw)
    given_ = conv_size.Given(
        input=f"{h}x{w}", kernel=f"{kh}x{kw}", stride=f"{sh}x{sw}", padding=f"{ph}x{pw}", dilation=f"{dh}x{dw}"
    )
    output = conv_size.solve(given_).answers["output"]
    assert tuple(output) == (positions_floor(h, kh, sh, ph, ph, dh), positions_floor(w, kw, sw, pw, pw, dw))


@settings(deadline=None)
@given(h=sizes, k=small, d=st.integers(1, 3))
def test_same_padding_keeps_the_size(h, k, d):
    output = conv_size.solve(conv_size.Given(input=h, kernel=k, padding="same", dilation=d)).answers["output"]
    assert tuple(output) == (h, h)


@settings(deadline=None)
@given(h=sizes, w=sizes, k=small, s=st.one_of(st.none(), small), p=st.integers(0, 3), ceil=st.booleans(), c=small)
def test_pool_size_matches_enumeration(h, w, k, s, p, ceil, c):
    assume(2 * p <= k and k <= h + 2 * p and k <= w + 2 * p)
    stride = k if s is None else s
    given_ = pool_size.Given(input=f"{h}x{w}x{c}", window=k, stride=s, padding=p, ceil=ceil)
    output = pool_size.solve(given_).answers["output"]
    count = positions_ceil if ceil else (lambda n, k_, s_, p_: positions_floor(n, k_, s_, p_, p_))
    assert tuple(output) == (count(h, k, stride, p), count(w, k, stride, p), c)


def test_ceil_mode_drops_a_window_that_starts_in_the_padding():
    # MaxPool2d(2, stride=2, padding=1, ceil_mode=True) on 5x5: ceil((7-2)/2)+1 = 4 windows, but the
    # 4th would start at 6, in the right padding, so PyTorch gives 3x3.
    output = pool_size.solve(pool_size.Given(input=5, window=2, stride=2, padding=1, ceil=True))
    assert tuple(output.answers["output"]) == (3, 3)
    assert "dropped" in output["out"].note
    kept = pool_size.solve(pool_size.Given(input=4, window=2, stride=2, padding=1, ceil=True))
    assert tuple(kept.answers["output"]) == (3, 3)
    assert "kept" in kept["out"].note


def test_ceil_mode_counts_a_partial_window():
    # 5 wide, window 2, stride 2: floor mode 2 windows, ceil mode 3 (the last one half outside).
    floor = pool_size.solve(pool_size.Given(input=5, window=2)).answers["output"]
    ceil = pool_size.solve(pool_size.Given(input=5, window=2, ceil=True)).answers["output"]
    assert (tuple(floor), tuple(ceil)) == ((2, 2), (3, 3))
