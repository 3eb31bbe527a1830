"""Loader of spopt's San Francisco test case (205 census tracts x 16 candidate stores)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["load_spopt_sf", "SpoptSF"]

_DIST = "SF_network_distance_candidateStore_16_censusTract_205_new.csv"
_DEMAND = "SF_demand_205_centroid_uniform_weight.csv"
_SITES = "SF_store_site_16_longlat.csv"


@dataclass(frozen=True)
class SpoptSF:
    """spopt's San Francisco case.

    Attributes
    ----------
    cost : pandas.DataFrame
        Network distance in metres, tracts (rows, sorted by tract name) x stores (columns,
        sorted by store name as strings: ``Store_1, Store_10, ...``).
    weights : pandas.Series
        POP2000 of each tract, aligned with ``cost.index``.
    demand : pandas.DataFrame
        The tract table (sorted by ``NAME``).
    sites : pandas.DataFrame
        The candidate store table (sorted by ``NAME``).
    """

    cost: pd.DataFrame
    weights: pd.Series
    demand: pd.DataFrame
    sites: pd.DataFrame

    def __getitem__(self, key):
        return getattr(self, key)


def load_spopt_sf(folder) -> SpoptSF:
    """Read spopt's San Francisco test data as spopt's own tests build it.

    Parameters
    ----------
    folder : str or os.PathLike
        The folder holding the three ``SF_*.csv`` files.

    Returns
    -------
    SpoptSF
        ``cost`` (205 x 16 metres), ``weights`` (POP2000, sum 955113), ``demand``, ``sites``.

    Notes
    -----
    The long distance table is pivoted to tracts x stores with both axes sorted by name, and
    the POP2000 weights are taken from the demand table sorted by ``NAME``, as in spopt's
    ``test_mclp.py`` / ``test_p_median.py``.

    References
    ----------
    .. [1] pysal/spopt, ``spopt/tests/test_locate/data`` (BSD-3-Clause).
    """
    folder = Path(folder)
    long = pd.read_csv(folder / _DIST, dtype={"name": str, "DestinationName": str})
    cost = long.pivot_table(values="distance", index="DestinationName", columns="name", aggfunc="first")
    cost = cost.sort_index(axis=0).sort_index(axis=1)
    cost.index = pd.Index([str(v) for v in cost.index], name="tract")
    cost.columns = pd.Index([str(v) for v in cost.columns], name="store")
    demand = pd.read_csv(folder / _DEMAND, dtype={"NAME": str, "ID": str})
    demand = demand.sort_values("NAME").reset_index(drop=True)
    weights = pd.Series(demand["POP2000"].to_numpy(dtype=float), index=pd.Index(demand["NAME"].astype(str), name="tract"),
                        name="POP2000")
    sites = pd.read_csv(folder / _SITES, dtype={"NAME": str}).sort_values("NAME").reset_index(drop=True)
    return SpoptSF(cost=cost, weights=weights, demand=demand, sites=sites)
