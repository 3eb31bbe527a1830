"""County CSVs saved by Excel on Chinese Windows (GB18030 / GBK) or with a UTF-8 byte-order mark
load; a non-UTF-8 file is named in a warning; county.toml may name the encoding (issue 18)."""

from __future__ import annotations

import warnings

import pytest

import yingji as yj
from yingji.exceptions import ValidationError, YingjiWarning


def _resave(folder, name, encoding):
    p = folder / name
    text = p.read_text(encoding="utf-8")
    p.write_bytes(text.encode(encoding))


@pytest.fixture
def county_folder(tmp_path):
    c = yj.datasets.sample_county()
    d = tmp_path / "county"
    c.save(d)
    return c, d


def test_gb18030_and_bom(county_folder):
    c, d = county_folder
    _resave(d, "stations.csv", "gb18030")   # station names are Chinese (城关特勤消防站 ...)
    _resave(d, "demand.csv", "utf-8-sig")
    with pytest.warns(YingjiWarning, match=r"stations.csv is not UTF-8: read as GB18030"):
        got = yj.County.load(d)
    assert list(got.stations["name"]) == list(c.stations["name"])
    assert got.summary() == c.summary()


def test_encoding_named_in_county_toml(county_folder):
    c, d = county_folder
    for f in d.glob("*.csv"):  # the whole folder saved by a GBK system
        _resave(d, f.name, "gbk")
    toml = d / "county.toml"
    toml.write_text('encoding = "gbk"\n' + toml.read_text(encoding="utf-8"), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", YingjiWarning)
        got = yj.County.load(d)
    assert list(got.stations["name"]) == list(c.stations["name"])
    assert "encoding" not in got.meta


def test_undecodable_file_named(county_folder):
    _, d = county_folder
    (d / "stations.csv").write_bytes(b"id,x\\n\\xff\\xfe\\xfa,1\\n" + bytes([0x81, 0x20]))
    with pytest.raises(ValidationError, match="stations.csv: cannot be read as CSV"):
        yj.County.load(d)


def test_an_empty_node_cell_means_snap_me(county_folder):
    """A station typed into stations.csv with x, y but no node is snapped, like a missing column."""
    c, d = county_folder
    p = d / "stations.csv"
    lines = p.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = dict(zip(header, lines[1].split(",")))
    row.update({"id": "S9", "node": "", "name": "新站"})
    lines.append(",".join(row.get(h, "") for h in header))
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = yj.County.load(d)
    assert got.stations.loc["S9", "node"] == got.stations.loc[lines[1].split(",")[0], "node"]
