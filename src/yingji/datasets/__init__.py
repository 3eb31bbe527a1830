"""Datasets: the embedded sample county, the one county loader, and loaders for benchmark formats.

``read_county(path)`` is how every face gets a county from what a user names (None → the sample
county, a folder, a JSON file or document).

``sample_county()`` loads the committed sample county ("XX县", see
``docs/sample_county.md``). The benchmark-format loaders (OR-Library SCP /
p-median / capacitated, TSPLIB coordinates, spopt's San Francisco data, Swain's 55 nodes) live in their
own modules and are imported lazily here, so a missing optional module never
breaks ``import yingji``.
"""

from __future__ import annotations

import importlib

from yingji.datasets.sample import read_county, sample_county, sample_county_path

#: public name -> module that defines it (imported on first access)
_LAZY = {
    "load_scp": "yingji.datasets.scp",
    "load_scp_optima": "yingji.datasets.scp",
    "load_spopt_sf": "yingji.datasets.spopt_sf",
    "load_swain55": "yingji.datasets.swain",
    "load_pmed": "yingji.datasets.orlib",
    "load_pmed_optima": "yingji.datasets.orlib",
    "load_cap": "yingji.datasets.orlib",
    "load_cap_optima": "yingji.datasets.orlib",
    "load_uncap_opt": "yingji.datasets.orlib",
    "load_tsplib": "yingji.datasets.tsplib",
    "tsplib_cost": "yingji.datasets.tsplib",
}

__all__ = ["sample_county", "sample_county_path", "read_county", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        try:
            module = importlib.import_module(_LAZY[name])
        except ImportError as exc:  # pragma: no cover - depends on the checkout
            raise AttributeError(
                f"yingji.datasets.{name} is unavailable: {_LAZY[name]} could not be imported "
                f"({exc})"
            ) from exc
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'yingji.datasets' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
