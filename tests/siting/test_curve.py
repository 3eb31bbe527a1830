"""coverage_curve: shape, monotonicity, exactness against MCLP and brute force, warm reuse, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import yingji as yj
from yingji.datasets.spopt_sf import load_spopt_sf

from naive_siting import brute_mclp, cover_matrix

COST = np.array([
    [1.0, 9.0, 9.0, 4.0],
    [2.0, 3.0, 9.0, 9.0],
    [9.0, 2.0, 9.0, 9.0],
    [9.0, 9.0, 1.0, 5.0],
    [9.0, 6.0, 2.0, np.inf],
    [99.0, 99.0, 99.0, 99.0],
])
W = np.array([10.0, 20.0, 30.0, 40.0, 50.0, 7.0])


def test_curve_columns_and_values():
    c = yj.coverage_curve(COST, 5.0, weights=W)
    assert list(c.columns[:6]) == ["p", "covered", "covered_share", "bound", "optimal", "sites"]
    A = cover_matrix(COST, 5.0)
    assert c["p"].tolist() == [1, 2, 3]  # 3 sites cover all coverable weight (row 5 is not coverable)
    for row in c.itertuples():
        assert row.covered == brute_mclp(A, W, row.p) and row.optimal and row.status == "optimal"
    assert c["covered_share"].iloc[-1] == pytest.approx(150 / 157)


def test_curve_fixed_p_max_and_heuristic():
    c = yj.coverage_curve(COST, 5.0, weights=W, fixed=[3, 0], p_max=4, method="heuristic")
    assert c["p"].tolist() == [2, 3, 4]
    assert all({0, 3} <= set(s) for s in c["sites"])
    assert (c["bound"] >= c["covered"] - 1e-9).all()
    assert (np.diff(c["covered"]) >= 0).all()


def test_curve_labels_and_coverage_input():
    df = pd.DataFrame(COST, index=list("abcdef"), columns=["s0", "s1", "s2", "s3"])
    c = yj.coverage_curve(df, 5.0)
    assert all(isinstance(s, str) for s in c["sites"].iloc[0])
    c2 = yj.coverage_curve(coverage=cover_matrix(COST, 5.0), p_max=2)
    assert c2["p"].tolist() == [1, 2]


def test_curve_zero_weights():
    c = yj.coverage_curve(COST, 5.0, weights=np.zeros(6))
    assert c["p"].tolist() == [1] and c["covered"].iloc[0] == 0.0


def test_curve_spopt_sf(shared_datasets):
    sf = load_spopt_sf(shared_datasets / "spopt_sf")
    c = yj.coverage_curve(sf.cost, 5000.0, weights=sf.weights)
    assert c["p"].tolist() == list(range(1, 9))  # the LSCP needs 8 stores
    assert c.loc[c["p"] == 4, "covered"].item() == yj.mclp(sf.cost, 5000.0, 4, weights=sf.weights).objective
    assert c["covered_share"].iloc[-1] == 1.0 and c["optimal"].all()
    assert (np.diff(c["covered"]) > 0).all()


def test_curve_errors():
    with pytest.raises(yj.ValidationError, match=r"'p_max' parameter of coverage_curve must be an int in \[1, 4\]"):
        yj.coverage_curve(COST, 5.0, p_max=9)
    with pytest.raises(yj.ValidationError, match=r"'p_max' parameter of coverage_curve must be an int in \[2, 4\]"):
        yj.coverage_curve(COST, 5.0, fixed=[0, 1], p_max=1)
    with pytest.raises(yj.ValidationError, match=r"'weights' parameter of coverage_curve"):
        yj.coverage_curve(COST, 5.0, weights=[1.0])
    with pytest.raises(yj.ValidationError, match=r"'cost' parameter of coverage_curve"):
        yj.coverage_curve()


def test_curve_with_executor():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as ex:
        c = yj.coverage_curve(COST, 5.0, weights=W, executor=ex)
    ref = yj.coverage_curve(COST, 5.0, weights=W)
    assert c["covered"].tolist() == ref["covered"].tolist() and c["optimal"].all()
