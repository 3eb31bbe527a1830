"""Standard profiles shipped as package data (TOML files read by :mod:`yingji.fire`).

Profiles are data, not code: each value carries its unit, the rule id of the
compliance table (``rules.csv``), the clause and how sure it is (``CONFIRMED`` /
``UNCONFIRMED`` / ``ASSUMPTION``).
"""
