"""Item norms per household in a county's items table."""

from __future__ import annotations

import numpy as np
import pytest

import yingji as yj
from yingji.exceptions import ValidationError


def test_household_norm_may_stand_in_for_the_per_person_norm(tmp_path):
    c = yj.datasets.sample_county()
    it = c.items.copy()
    it["per_household_per_day"] = np.nan
    flash = it["item"] == "flashlight"
    it.loc[flash, "per_household_per_day"] = 1.0
    it.loc[flash, "per_person_per_day"] = np.nan
    c2 = c.replace(items=it, meta={"household_size": 4.0})
    c2.save(tmp_path / "c")
    c3 = yj.County.load(tmp_path / "c")
    assert c3.items.loc[c3.items["item"] == "flashlight", "per_household_per_day"].item() == 1.0
    assert c3.meta["household_size"] == 4.0
    r = yj.supplies.requirements(c3).set_index(["township", "item"])
    people = r.xs("water", level="item")["people_at_risk"]
    flashlights = r.xs("flashlight", level="item")["quantity"]
    assert np.allclose(flashlights, people / 4.0)  # the county's household size


def test_neither_norm_is_a_missing_value():
    c = yj.datasets.sample_county()
    it = c.items.copy()
    it["per_household_per_day"] = np.nan
    it.loc[it["item"] == "soap", "per_person_per_day"] = np.nan
    with pytest.raises(ValidationError, match=r"table 'items', row 5, column 'per_person_per_day': missing "
                                              r"value \(and no 'per_household_per_day'\)"):
        c.replace(items=it)
