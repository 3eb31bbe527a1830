"""yingji.datasets.read_county: the one loader every face uses (folder, JSON file, document, None)."""

from __future__ import annotations

import pytest

import yingji as yj
from yingji.datasets import read_county
from yingji.exceptions import ValidationError


def test_every_form_gives_the_same_county(tmp_path):
    c = yj.datasets.sample_county()
    assert read_county() is c or read_county().summary() == c.summary()
    folder = tmp_path / "county"
    c.save(folder)
    js = tmp_path / "county.json"
    c.to_json(js)
    for src in (folder, str(folder), js, str(js), c.to_json(), c):
        got = read_county(src if not isinstance(src, str) or not src.startswith("{") else __import__("json").loads(src))
        assert got.summary() == c.summary()


@pytest.mark.parametrize("bad, match", [
    ("/no/such/county", r"'PATH' parameter of yingji fire must be a county folder .* '/no/such/county': no county at that path"),
    (3.5, r"'PATH' parameter of yingji fire must be a county folder, a county JSON file or None .*float"),
])
def test_bad_sources_named(bad, match):
    with pytest.raises(ValidationError, match=match):
        read_county(bad, func="yingji fire", param="PATH")


def test_a_file_that_is_not_a_county(tmp_path):
    f = tmp_path / "notes.json"
    f.write_text("{\"hello\": 1}", encoding="utf-8")
    with pytest.raises(ValidationError, match="format 'yingji.county'"):
        read_county(f)
