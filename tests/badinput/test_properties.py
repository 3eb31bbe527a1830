"""Property-based bad inputs (issue 18): hypothesis draws bad values of each parameter kind
(text, NaN/inf, negative, out of range, wrong shape, a bad cell at any position, unknown ids)
and every siting entry point must refuse them with a ValidationError naming the parameter."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yingji as yj

N, M = 6, 4
RNG = np.random.default_rng(3)
C = np.round(RNG.uniform(1, 20, (N, M)), 1)
W = np.round(RNG.uniform(1, 10, N), 1)

not_number_text = st.text(min_size=1, max_size=12).filter(lambda s: _not_float(s))
nan_inf = st.sampled_from([math.nan, math.inf, -math.inf])
containers = st.one_of(st.lists(st.floats(0, 10), min_size=2, max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), min_size=1, max_size=2))


def _not_float(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return True
    return False


BAD_SECONDS = st.one_of(not_number_text, nan_inf, st.floats(max_value=0, allow_nan=False), st.booleans(), containers)
BAD_GAP = st.one_of(not_number_text, nan_inf, st.floats(max_value=-1e-9, allow_infinity=False, allow_nan=False),
                    st.floats(min_value=1.0, allow_nan=False), st.booleans())
BAD_COUNT = st.one_of(not_number_text, st.integers(max_value=0), nan_inf, st.booleans(),
                      st.floats(0.01, 3.99).filter(lambda v: v != round(v)))
BAD_RADIUS = st.one_of(not_number_text, nan_inf, st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False),
                       st.booleans(), containers)


@st.composite
def bad_vector(draw, n):
    """A vector of n entries with one bad cell, or a vector of the wrong length."""
    if draw(st.booleans()):
        k = draw(st.integers(0, 3 * n).filter(lambda k: k != n))
        return [1.0] * k
    v = [float(x) for x in draw(st.lists(st.floats(0, 100), min_size=n, max_size=n))]
    pos = draw(st.integers(0, n - 1))
    v[pos] = draw(st.one_of(not_number_text, st.just(math.nan), st.floats(max_value=-1e-6, allow_nan=False,
                                                                          allow_infinity=False),
                            st.just(math.inf), st.floats(1e13, 1e308)))
    return v


@st.composite
def bad_matrix(draw):
    """The cost matrix with one bad cell (text, NaN, negative, overflow-sized) or a wrong shape."""
    kind = draw(st.sampled_from(["cell", "ragged", "1-D", "empty"]))
    if kind == "1-D":
        return C[0].tolist()
    if kind == "empty":
        return np.zeros((0, draw(st.integers(0, 3))))
    out = C.astype(object).copy()
    i, j = draw(st.integers(0, N - 1)), draw(st.integers(0, M - 1))
    if kind == "ragged":
        rows = out.tolist()
        rows[i] = rows[i][: draw(st.integers(0, M - 1))]
        return rows
    out[i, j] = draw(st.one_of(not_number_text, st.just(math.nan), st.floats(-1e6, -1e-6), st.floats(1e13, 1e308)))
    return out.tolist()


ENTRIES = {  # name: (function, valid keyword arguments)
    "mclp": (yj.mclp, dict(cost=C, radius=8.0, p=2, time_limit=5)),
    "p_median": (yj.p_median, dict(cost=C, p=2, time_limit=5)),
    "p_center": (yj.p_center, dict(cost=C, p=2, time_limit=5)),
    "backup_coverage": (yj.backup_coverage, dict(cost=C, radius=10.0, p=2, time_limit=5)),
    "lscp": (yj.lscp, dict(cost=C, radius=12.0, time_limit=5)),
}


def _refused(name, param, value):
    fn, kw = ENTRIES[name]
    kw = {**kw, param: value}
    with pytest.raises(yj.ValidationError) as ei:
        fn(**kw)
    assert f"'{param}'" in str(ei.value), str(ei.value)


@pytest.mark.parametrize("name", sorted(ENTRIES))
@settings(max_examples=12)
@given(v=BAD_SECONDS)
def test_time_limit(name, v):
    _refused(name, "time_limit", v)


@pytest.mark.parametrize("name", sorted(ENTRIES))
@settings(max_examples=12)
@given(v=BAD_GAP)
def test_mip_gap(name, v):
    _refused(name, "mip_gap", v)


@pytest.mark.parametrize("name", ["mclp", "p_median", "p_center", "backup_coverage"])
@settings(max_examples=12)
@given(v=BAD_COUNT)
def test_p(name, v):
    _refused(name, "p", v)


@pytest.mark.parametrize("name", ["mclp", "lscp", "backup_coverage"])
@settings(max_examples=12)
@given(v=BAD_RADIUS)
def test_radius(name, v):
    _refused(name, "radius", v)


@pytest.mark.parametrize("name", ["mclp", "p_median", "p_center", "backup_coverage"])
@settings(max_examples=12)
@given(data=st.data())
def test_weights(name, data):
    _refused(name, "weights", data.draw(bad_vector(N)))


@pytest.mark.parametrize("name", sorted(ENTRIES))
@settings(max_examples=12)
@given(v=bad_matrix())
def test_cost(name, v):
    _refused(name, "cost", v)


@pytest.mark.parametrize("name", sorted(ENTRIES))
@settings(max_examples=12)
@given(v=st.one_of(st.lists(st.integers(M, 10 ** 6), min_size=1, max_size=3),
                   st.lists(st.integers(-10 ** 6, -M - 1), min_size=1, max_size=3),
                   st.lists(not_number_text, min_size=1, max_size=2)))
def test_fixed(name, v):
    _refused(name, "fixed", v)


@settings(max_examples=25)
@given(seed=st.one_of(not_number_text, st.integers(max_value=-1), nan_inf,
                      st.floats(0.01, 100).filter(lambda v: v != round(v)), containers))
def test_seed(seed):
    _refused("p_median", "seed", seed)


@settings(max_examples=25)
@given(data=st.data())
def test_two_step_fca(data):
    which = data.draw(st.sampled_from(["population", "area", "distances"]))
    kw = dict(population=W, area=np.full(M, 3000.0), distances=C * 50, radius=600.0)
    kw[which] = data.draw(bad_matrix()) if which == "distances" else data.draw(bad_vector(N if which == "population" else M))
    with pytest.raises(yj.ValidationError) as ei:
        yj.siting.two_step_fca(**kw)
    assert which in str(ei.value)
