"""A county on a road network in several pieces: which points sit in the small ones, and
keeping the largest piece."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import yingji as yj
from yingji.exceptions import DisconnectedNetworkWarning


def two_piece_network():
    # main piece 0-1-2-3 (4 nodes), island 10-11 (2 nodes) far to the east
    edges = pd.DataFrame({"u": [0, 1, 2, 10], "v": [1, 2, 3, 11], "minutes": [1.0, 1.0, 1.0, 1.0]})
    nodes = pd.DataFrame({"x": [0.0, 500.0, 1000.0, 1500.0, 9000.0, 9500.0], "y": [0.0] * 6},
                         index=[0, 1, 2, 3, 10, 11])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DisconnectedNetworkWarning)
        return yj.Network.from_edges(edges, nodes=nodes)


def tables():
    demand = pd.DataFrame({"id": ["a", "b", "c"], "x": [0.0, 1400.0, 9400.0], "y": [0.0, 0.0, 0.0],
                           "population": [10.0, 20.0, 30.0]})
    stations = pd.DataFrame({"id": ["S1"], "x": [9100.0], "y": [0.0], "station_class": ["class1"]})
    return demand, stations


def test_points_in_small_pieces_are_named_and_warned():
    net = two_piece_network()
    demand, stations = tables()
    with pytest.warns(DisconnectedNetworkWarning,
                      match=r"2 located point\(s\) sit outside the largest strongly connected component "
                            r".*demand: 'c'; stations: 'S1'"):
        c = yj.County(net, demand=demand, stations=stations)
    out = c.check_connected()
    assert out[["table", "id", "node"]].values.tolist() == [["demand", "c", 11], ["stations", "S1", 10]]
    assert (out["component"] > 0).all() and (out["component_size"] == 2).all()
    # the travel times confirm it
    assert np.isinf(net.travel_times([10], [0])).all()


def test_largest_component_resnaps_every_table():
    net = two_piece_network()
    demand, stations = tables()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DisconnectedNetworkWarning)
        c = yj.County(net, demand=demand, stations=stations)
    with pytest.warns(DisconnectedNetworkWarning, match="dropped 2 nodes"):
        main = c.largest_component()
    assert main.network.n_nodes == 4
    assert main.demand["node"].tolist() == [0, 3, 3] and main.stations["node"].tolist() == [3]
    assert len(main.check_connected()) == 0
    # already in one piece: the same county, no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main.largest_component() is main


def test_connected_county_is_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c = yj.datasets.sample_county()
    assert len(c.check_connected()) == 0 and len(c.check_connected(strong=False)) == 0
    assert list(c.check_connected().columns) == ["table", "id", "node", "component", "component_size"]
    assert len(yj.County(None, indicators=c.indicators).check_connected()) == 0
