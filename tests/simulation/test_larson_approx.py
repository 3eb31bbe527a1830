"""Larson's approximate hypercube (Larson 1975) against the book's example and the exact chain.

References: Larson, R. C. (1975), Approximating the performance of urban emergency service
systems, *Operations Research* 23(5), 845-868; Larson, R. C., Odoni, A. R. (1981), *Urban
Operations Research*, Prentice-Hall, sections 5.4.3 (the three-server, ten-atom example) and
5.5 (the approximation; its correction factors are eq. (5.48), the iteration Figure 5.19 and
the worked example section 5.5.3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from yingji.exceptions import YingjiWarning
from yingji.simulation import MINUTES_PER_YEAR, hypercube
from yingji.siting.queueing import _erlang, _larson_normalise, _larson_q


# --------------------------------------------------------------------------------------------
# the book's three-server, ten-atom example (Larson & Odoni 1981, sections 5.4.3 and 5.5.3)
# --------------------------------------------------------------------------------------------
def _book_example():
    """Three units, lambda = 1.5 calls per mean service time, mu = 1 (rho = 0.5).

    The dispatch preferences are those the book states (section 5.4.3): unit 1's primary area
    (atoms 1, 2, 4; half the calls) is backed up by unit 2 for atoms 1 and 2 and by unit 3 for
    atom 4; unit 1 is the first backup for the primary areas of unit 2 (atoms 3, 5, 6) and of
    unit 3 (atoms 7-10). Both models depend on the atoms only through the call rate of each
    preference list, so the ten atoms are merged into those four lists. The four rates
    (0.50, 0.25, 0.35, 0.40) are our reading of Figure 5.11: they are the only rates on a 0.005
    grid, with unit 1's area at 0.75, that reproduce both the book's exact workloads and its
    approximate iterates below to the printed four decimals.
    """
    rates = np.array([0.50, 0.25, 0.35, 0.40])  # calls per mean service time
    units = pd.DataFrame({"type": ["engine"] * 3}, index=["unit1", "unit2", "unit3"])
    demand = pd.DataFrame({"incidents_per_year": rates * MINUTES_PER_YEAR},
                          index=["atoms1-2", "atom4", "area2", "area3"])
    # units x points; orders (1,2,3), (1,3,2), (2,1,3), (3,1,2)
    T = np.array([[1.0, 1.0, 2.0, 2.0],
                  [2.0, 3.0, 1.0, 3.0],
                  [3.0, 2.0, 3.0, 1.0]])
    return dict(units=units, demand=demand, times=T, service_minutes=1.0)


BOOK_EXACT = (0.5574, 0.4734, 0.4693)  # section 5.5.3, from the exact hypercube
BOOK_APPROX = (0.5627, 0.4716, 0.4657)  # section 5.5.3, third iteration of Figure 5.19


def test_book_correction_factors():
    # section 5.5.3: Q(3, 1/2, 0) = 1, Q(3, 1/2, 1) = 0.73684, Q(3, 1/2, 2) = 0.63158
    p0, _ = _erlang(3, 1.5)
    np.testing.assert_allclose(_larson_q(3, 0.5, p0), [1.0, 14 / 19, 12 / 19], rtol=1e-12)


def test_book_example_exact_workloads():
    hc = hypercube(**_book_example(), method="exact")
    np.testing.assert_allclose(hc.workload.to_numpy(), BOOK_EXACT, atol=6e-5)
    assert hc.workload.sum() == pytest.approx(1.5, rel=1e-12)


def test_book_example_approximation_sums_to_offered_load():
    hc = hypercube(**_book_example(), method="larson")
    assert hc.method == "larson"
    # Larson's normalisation: the workloads add up to the offered load lambda / mu = 1.5
    assert hc.workload.sum() == pytest.approx(1.5, rel=1e-12)
    # converged values: within 2e-4 of the book's third iterate, and the book's error against
    # the exact model (0.0053 on unit 1, "about 1 percent")
    np.testing.assert_allclose(hc.workload.to_numpy(), BOOK_APPROX, atol=2e-4)
    exact = hypercube(**_book_example(), method="exact")
    err = np.abs(hc.workload.to_numpy() - exact.workload.to_numpy())
    assert err.max() == pytest.approx(0.0053, abs=1e-4)
    assert err.argmax() == 0


def test_book_example_third_iterate():
    # the book stops after three iterations (steps of 0.0011 by then): same iterates here
    with pytest.warns(YingjiWarning, match="did not converge to tol=1e-10 in max_iter=3"):
        hc = hypercube(**_book_example(), method="larson", max_iter=3)
    assert hc.iterations == 3
    np.testing.assert_allclose(hc.workload.to_numpy(), BOOK_APPROX, atol=1e-4)
    assert hc.workload.sum() == pytest.approx(1.5, rel=1e-12)


# --------------------------------------------------------------------------------------------
# random small fleets against the exact hypercube
# --------------------------------------------------------------------------------------------
RHOS = (0.2, 0.4, 0.6, 0.8, 0.9)


def _fleet(i, seed=17):
    """Fleet ``i`` of the family: 3-6 units, 5-15 points, random travel times (so random
    preference lists), call rates uniform on [100, 1000]/year, utilisation cycling RHOS."""
    rng = np.random.default_rng([seed, i])
    N = int(rng.integers(3, 7))
    n = int(rng.integers(5, 16))
    rho = RHOS[i % len(RHOS)]
    units = pd.DataFrame({"type": ["engine"] * N}, index=[f"u{k}" for k in range(N)])
    demand = pd.DataFrame({"incidents_per_year": rng.uniform(100, 1000, n)}, index=[f"d{j}" for j in range(n)])
    T = rng.uniform(1, 10, (N, n))
    svc = rho * N * MINUTES_PER_YEAR / demand["incidents_per_year"].sum()
    return dict(units=units, demand=demand, times=T, service_minutes=svc), N, rho


def _worst_workload_error(count):
    worst = 0.0
    for i in range(count):
        kw, N, rho = _fleet(i)
        exact = hypercube(**kw, method="exact")
        approx = hypercube(**kw, method="larson")
        assert approx.workload.sum() == pytest.approx(N * rho, rel=1e-12)
        assert approx.p_all_busy == pytest.approx(exact.p_all_busy, rel=1e-9)
        assert approx.mean_travel_minutes == pytest.approx(exact.mean_travel_minutes, rel=0.02)
        worst = max(worst, float(np.max(np.abs(approx.workload - exact.workload))))
    return worst


def test_random_fleets_against_exact():
    # measured: worst 0.0105 on these 48 fleets (0.0205 before the normalisation was added)
    assert _worst_workload_error(48) < 0.012


@pytest.mark.slow
def test_random_fleets_against_exact_500():
    # measured: worst 0.0212 on 500 fleets of the same family (0.0363 before the normalisation)
    assert _worst_workload_error(500) < 0.023


# --------------------------------------------------------------------------------------------
# large chains: the iteration stalls or the normalisation would pass 1
# --------------------------------------------------------------------------------------------
def _chain(N, rho, n=3):
    """``N`` units that every point ranks in the same order (one station's units)."""
    units = pd.DataFrame({"type": ["engine"] * N}, index=[f"u{k}" for k in range(N)])
    demand = pd.DataFrame({"incidents_per_year": np.full(n, 1000.0)}, index=[f"d{j}" for j in range(n)])
    T = np.tile(np.arange(1.0, N + 1.0)[:, None], (1, n))
    svc = rho * N * MINUTES_PER_YEAR / demand["incidents_per_year"].sum()
    return dict(units=units, demand=demand, times=T, service_minutes=svc)


@pytest.mark.parametrize("N, rho", [(27, 0.6), (14, 0.97), (30, 0.9)])
def test_long_chains_converge_within_bounds(N, rho, recwarn):
    hc = hypercube(**_chain(N, rho), method="larson")
    assert not [w for w in recwarn if issubclass(w.category, YingjiWarning)]
    w = hc.workload.to_numpy()
    assert w.sum() == pytest.approx(N * rho, rel=1e-9)
    assert (w >= 0).all() and (w <= 1.0).all()
    assert hc.iterations < 1000
    assert hc.dispatch.to_numpy().sum() == pytest.approx(1.0)


def test_normalisation_scales_and_caps():
    r = np.array([0.2, 0.3, 0.1])
    np.testing.assert_allclose(_larson_normalise(r, 1.2), r * 2.0)
    # plain scaling (by 2.5) would put the first at 1.25: it is held at 1, the others make up
    # the rest in proportion
    out = _larson_normalise(np.array([0.5, 0.2, 0.1]), 2.0)
    assert out[0] == 1.0 and out.sum() == pytest.approx(2.0) and out[1] / out[2] == pytest.approx(2.0)
