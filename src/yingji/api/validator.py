"""The built-in JSON Schema validator (used when :mod:`jsonschema` is not installed)."""

from __future__ import annotations

import re
from typing import Any

from yingji.api.envelope import _MAX_PROBLEM, _short


def _path_text(path) -> str:
    parts = ["$"]
    for p in path:
        parts.append(f"[{p}]" if isinstance(p, int) else f".{p}")
    return "".join(parts)


_PY_TYPES = {"object": (dict,), "array": (list,), "string": (str,), "boolean": (bool,),
             "number": (int, float), "integer": (int,), "null": (type(None),)}
_BOUNDS = {"minimum": lambda lo, hi, b: lo >= b, "maximum": lambda lo, hi, b: hi <= b,
           "exclusiveMinimum": lambda lo, hi, b: lo > b,
           "exclusiveMaximum": lambda lo, hi, b: hi < b}
_SIMPLE_KEYS = frozenset(("type", "description", "title", *_BOUNDS))


def simple_items_valid(items, instance) -> bool:
    """Whether every element of the list ``instance`` is valid under ``items``, decided
    without visiting the elements one by one in Python; False means "not decided here".

    Only for an ``items`` schema made of ``type`` and numeric bounds (what a numeric matrix,
    a weight vector or a list of ids is declared as: ``{"type": "array"}``,
    ``{"type": "number"}``, ``{"type": "integer", "minimum": 0}``). The element types are
    collected in C (``set(map(type, ...))``) and the bounds checked on ``min``/``max``. It
    answers True only when every element is valid (so a validator may skip them); on False
    the caller checks element by element and reports each problem with its own message, as
    before. Exact: a NaN makes ``min``/``max`` comparisons false, hence False; an integral
    float where ``"integer"`` is asked, a bool or a subclass is left to the element checks.
    """
    if not isinstance(items, dict) or not isinstance(instance, list) or \
            not items.keys() <= _SIMPLE_KEYS:
        return False
    t = items.get("type")
    names = t if isinstance(t, list) else [t]
    allowed: set = set()
    for name in names:
        if name not in _PY_TYPES:
            return False
        allowed.update(_PY_TYPES[name])
    if not set(map(type, instance)) <= allowed:
        return False
    bounds = [k for k in _BOUNDS if k in items]
    if bounds and instance:
        if not allowed <= {int, float}:
            return False
        lo, hi = min(instance), max(instance)
        return all(_BOUNDS[k](lo, hi, items[k]) for k in bounds)
    return True


def _builtin_problems(doc: dict, instance) -> list[str]:
    out: list[str] = []
    _BuiltinValidator(doc).check(doc, instance, (), out)
    return [_short(p, _MAX_PROBLEM) for p in out]


_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class _BuiltinValidator:
    """The draft 2020-12 keywords the API schemas use (fallback without :mod:`jsonschema`).

    Supported: ``type``, ``const``, ``enum``, ``required``, ``properties``,
    ``additionalProperties``, ``items``, ``minItems``, ``maxItems``, ``minimum``,
    ``maximum``, ``exclusiveMinimum``, ``exclusiveMaximum``, ``minLength``, ``pattern``,
    ``anyOf``, ``oneOf``, ``allOf``, ``not``, ``if``/``then``/``else`` and local ``$ref``.
    """

    def __init__(self, root: dict):
        self.root = root

    def _resolve(self, ref: str) -> dict:
        if not ref.startswith("#/"):
            raise ValueError(f"only local $ref are supported, got {ref!r}")
        node: Any = self.root
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def valid(self, sch, inst) -> bool:
        out: list[str] = []
        self.check(sch, inst, (), out)
        return not out

    def check(self, sch, inst, path, out: list) -> None:  # noqa: C901 - one keyword per branch
        if sch is True or sch == {}:
            return
        if sch is False:
            out.append(f"{_path_text(path)}: not allowed")
            return
        where = _path_text(path)
        if "$ref" in sch:
            self.check(self._resolve(sch["$ref"]), inst, path, out)
        t = sch.get("type")
        if t is not None:
            types = t if isinstance(t, list) else [t]
            if not any(_TYPES[x](inst) for x in types):
                out.append(f"{where}: {_short(repr(inst), 60)} is not of type "
                           + ", ".join(repr(x) for x in types))
                return
        if "const" in sch and not _json_equal(inst, sch["const"]):
            out.append(f"{where}: {sch['const']!r} was expected")
        if "enum" in sch and not any(_json_equal(inst, e) for e in sch["enum"]):
            out.append(f"{where}: {_short(repr(inst), 60)} is not one of {sch['enum']!r}")
        if _TYPES["number"](inst):
            for kw, bad in (("minimum", lambda a, b: a < b), ("maximum", lambda a, b: a > b),
                            ("exclusiveMinimum", lambda a, b: a <= b),
                            ("exclusiveMaximum", lambda a, b: a >= b)):
                if kw in sch and bad(inst, sch[kw]):
                    out.append(f"{where}: {inst!r} violates {kw} {sch[kw]!r}")
        if isinstance(inst, str):
            if "minLength" in sch and len(inst) < sch["minLength"]:
                out.append(f"{where}: {inst!r} is shorter than {sch['minLength']}")
            if "pattern" in sch and not re.search(sch["pattern"], inst):
                out.append(f"{where}: {inst!r} does not match {sch['pattern']!r}")
        if isinstance(inst, dict):
            for k in sch.get("required", []):
                if k not in inst:
                    out.append(f"{where}: {k!r} is a required property")
            props = sch.get("properties", {})
            for k, v in inst.items():
                if k in props:
                    self.check(props[k], v, (*path, k), out)
                elif "additionalProperties" in sch:
                    ap = sch["additionalProperties"]
                    if ap is False:
                        out.append(f"{where}: additional property {k!r} is not allowed")
                    else:
                        self.check(ap, v, (*path, k), out)
            if "minProperties" in sch and len(inst) < sch["minProperties"]:
                out.append(f"{where}: should have at least {sch['minProperties']} properties")
        if isinstance(inst, list):
            if "minItems" in sch and len(inst) < sch["minItems"]:
                out.append(f"{where}: should have at least {sch['minItems']} items")
            if "maxItems" in sch and len(inst) > sch["maxItems"]:
                out.append(f"{where}: should have at most {sch['maxItems']} items")
            if "items" in sch and not simple_items_valid(sch["items"], inst):
                for i, v in enumerate(inst):
                    self.check(sch["items"], v, (*path, i), out)
        if "allOf" in sch:
            for s in sch["allOf"]:
                self.check(s, inst, path, out)
        if "anyOf" in sch:
            if not any(self.valid(s, inst) for s in sch["anyOf"]):
                out.append(f"{where}: {_short(repr(inst), 60)} is not valid under any of the "
                           "given schemas")
        if "oneOf" in sch:
            n = sum(self.valid(s, inst) for s in sch["oneOf"])
            if n != 1:
                out.append(f"{where}: {_short(repr(inst), 60)} is valid under {n} of the "
                           "oneOf schemas (exactly one expected)")
        if "not" in sch and self.valid(sch["not"], inst):
            out.append(f"{where}: should not be valid under {sch['not']!r}")
        if "if" in sch:
            branch = sch.get("then") if self.valid(sch["if"], inst) else sch.get("else")
            if branch is not None:
                self.check(branch, inst, path, out)


def _json_equal(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b
