"""OR-Library loaders, and the full reference sets (marked slow: ``pytest -m slow tests/siting``)."""

from __future__ import annotations

import numpy as np
import pytest

from yingji.datasets.orlib import (
    CAP_CAPACITIES,
    load_cap,
    load_cap_optima,
    load_pmed,
    load_pmed_optima,
    load_uncap_opt,
)
from yingji.exceptions import ValidationError
from yingji.siting.capacitated import capacitated_location
from yingji.siting.median import p_median


def test_load_pmed_last_line_wins(tmp_path):
    f = tmp_path / "pmedx.txt"
    # edge 1-2 appears twice: 5 then 9 -> 9 (OR-Library: a later line overwrites an earlier one)
    f.write_text(" 3 3 1\n 1 2 5\n 2 3 1\n 2 1 9\n")
    C, p = load_pmed(f)
    assert p == 1
    assert C[0, 1] == 9.0 and C[1, 2] == 1.0 and C[0, 2] == 10.0
    assert np.allclose(C, C.T) and np.all(np.diag(C) == 0)


def test_load_pmed_zero_edges_and_errors(tmp_path):
    f = tmp_path / "z.txt"
    f.write_text("3 2 1\n1 2 0\n2 3 4\n")
    C, _ = load_pmed(f)
    assert C[0, 1] == 0.0 and C[0, 2] == 4.0
    bad = tmp_path / "bad.txt"
    bad.write_text("3 2 1\n1 2 0\n2 7 4\n")
    with pytest.raises(ValidationError, match="vertex numbers must lie in 1..3"):
        load_pmed(bad)
    junk = tmp_path / "junk.txt"
    junk.write_text("hello")
    with pytest.raises(ValidationError, match="not a pmed file"):
        load_pmed(junk)
    with pytest.raises(ValidationError, match="must name an existing file"):
        load_pmed(tmp_path / "missing.txt")
    with pytest.raises(ValidationError, match="no 'pmedN value' lines"):
        load_pmed_optima(junk)
    for loader in (load_pmed_optima, load_cap_optima, load_cap, load_uncap_opt):
        with pytest.raises(ValidationError, match="The 'path' parameter must name an existing file"):
            loader(tmp_path / "missing.txt")


def test_load_cap_capacity_word(tmp_path):
    f = tmp_path / "c.txt"
    f.write_text("2 2\n capacity 10.\n 7 3.\n 4 1. 2.\n 2 3. 5.\n")
    inst = load_cap(f, capacity=8000)
    assert inst.capacity.tolist() == [8000.0, 7.0] and inst.fixed_cost.tolist() == [10.0, 3.0]
    assert inst.demand.tolist() == [4.0, 2.0] and inst.cost.tolist() == [[1.0, 2.0], [3.0, 5.0]]
    assert np.isinf(load_cap(f).capacity[0])
    g = tmp_path / "short.txt"
    g.write_text("2 2\n 1 1\n 1 1\n 4 1.\n")
    with pytest.raises(ValidationError, match="not an OR-Library cap file"):
        load_cap(g)
    opt = tmp_path / "o.opt"
    opt.write_text("0 1 1 12.5\n")
    a, v = load_uncap_opt(opt)
    assert a.tolist() == [0, 1, 1] and v == 12.5
    opt.write_text("x y")
    with pytest.raises(ValidationError, match="not a .opt file"):
        load_uncap_opt(opt)
    with pytest.raises(ValidationError, match="no optimum lines"):
        load_cap_optima(g)


def test_optima_files(shared_datasets):
    pm = load_pmed_optima(shared_datasets / "orlib" / "pmed" / "pmedopt.txt")
    assert len(pm) == 40 and pm["pmed1"] == 5819 and pm["pmed40"] == 5128
    cap = load_cap_optima(shared_datasets / "orlib" / "cap" / "capopt.txt")
    assert len(cap) == 37 + 12
    capa = cap[cap.instance == "capa"]
    assert capa.capacity.tolist() == list(CAP_CAPACITIES["capa"])
    assert capa.optimum.iloc[0] == pytest.approx(19240822.449)


def test_pmed1_matrix_uses_last_line(shared_datasets):
    C, p = load_pmed(shared_datasets / "orlib" / "pmed" / "pmed1.txt")
    assert C.shape == (100, 100) and p == 5


# ----------------------------------------------------------------------------- full sets (slow)
PMED = [f"pmed{k}" for k in range(1, 41)]
CAPS = ["cap41", "cap42", "cap43", "cap44", "cap51", "cap61", "cap62", "cap63", "cap64", "cap71", "cap72", "cap73",
        "cap74", "cap81", "cap82", "cap83", "cap84", "cap91", "cap92", "cap93", "cap94", "cap101", "cap102", "cap103",
        "cap104", "cap111", "cap112", "cap113", "cap114", "cap121", "cap122", "cap123", "cap124", "cap131", "cap132",
        "cap133", "cap134"]
UNCAP = ["cap71", "cap72", "cap73", "cap74", "cap101", "cap102", "cap103", "cap104", "cap131", "cap132", "cap133",
         "cap134", "capa", "capb", "capc"]


@pytest.mark.slow
@pytest.mark.parametrize("name", PMED)
def test_pmed_proven_optimal(shared_datasets, name):
    d = shared_datasets / "orlib" / "pmed"
    opt = load_pmed_optima(d / "pmedopt.txt")[name]
    C, p = load_pmed(d / f"{name}.txt")
    r = p_median(C, p, time_limit=120)
    assert r.objective == opt and r.optimal and r.bound == opt
    h = p_median(C, p, method="heuristic")
    assert h.bound <= opt <= h.objective


@pytest.mark.slow
@pytest.mark.parametrize("name", CAPS)
def test_cap_optimal(shared_datasets, name):
    d = shared_datasets / "orlib" / "cap"
    opt = load_cap_optima(d / "capopt.txt")
    ref = float(opt.loc[opt.instance == name, "optimum"].iloc[0])
    r = capacitated_location(*load_cap(d / f"{name}.txt"), time_limit=120)
    # capopt.txt rounds to 3 decimals ("different machines may give slightly different results")
    assert r.objective == pytest.approx(ref, abs=2e-3) and r.optimal


@pytest.mark.slow
@pytest.mark.parametrize("name", UNCAP)
def test_uncap_optimal(shared_datasets, name):
    d = shared_datasets / "orlib" / "uncap"
    inst = load_cap(d / f"{name}.txt")
    _, val = load_uncap_opt(d / f"{name}.txt.opt")
    r = capacitated_location(inst.cost, inst.demand, None, inst.fixed_cost, time_limit=120)
    assert r.objective == pytest.approx(val, abs=2e-3) and r.optimal
