"""Numbers beyond config.MAX_INPUT in a county table are refused by table, row and column."""

import pytest

import yingji as yj
from yingji.exceptions import ValidationError


@pytest.mark.parametrize("column,value", [("population", 1e18), ("population", -1e13), ("incidents_per_year", 5e12), ("area_m2", 2e13)])
def test_absurd_numbers_in_a_county_table_are_refused(column, value):
    c = yj.datasets.sample_county()
    d = c.demand.copy()
    if column not in d.columns:
        pytest.skip(f"no {column} column in the sample demand table")
    d.loc[d.index[3], column] = value
    with pytest.raises(ValidationError, match=rf"table 'demand', row '{d.index[3]}', column '{column}': "
                                              rf"must be at most 1e\+12"):
        yj.County(c.network, demand=d, meta=c.meta)
