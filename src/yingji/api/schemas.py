"""The JSON Schemas of requests and responses (package data in ``yingji/api_schema``).

:func:`schema` returns them; :func:`validate_request` / :func:`validate_response` list the
problems of a request or response, with :mod:`jsonschema` when it is installed, else with the
built-in validator (:mod:`yingji.api.validator`).
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from importlib import resources

from yingji.api.envelope import _MAX_PROBLEM, _short
from yingji.api.registry import ACTIONS
from yingji.api.validator import _builtin_problems, _path_text, simple_items_valid
from yingji.exceptions import ValidationError


@lru_cache(maxsize=None)
def _schema_file(name: str) -> dict:
    text = (resources.files("yingji") / "api_schema" / f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=None)
def _full_schema(kind: str) -> dict:
    doc = copy.deepcopy(_schema_file(kind))
    if kind == "response":
        from yingji.compliance import report_schema

        rep = {k: v for k, v in report_schema().items() if k not in ("$schema", "$id")}
        doc["$defs"]["result_check"] = rep
    return doc


def schema(kind: str = "all") -> dict:
    """The JSON Schemas (draft 2020-12) of the API.

    Parameters
    ----------
    kind : {"all", "request", "response"}
        ``"all"`` gives ``{"request": ..., "response": ..., "actions": [...]}``.

    Returns
    -------
    dict
        A fresh copy (safe to modify). The response schema embeds the compliance report
        schema (:func:`yingji.compliance.report_schema`) as the result of ``"check"``.

    Raises
    ------
    ValidationError
        An unknown ``kind``.
    """
    if kind == "request":
        return copy.deepcopy(_full_schema("request"))
    if kind == "response":
        return copy.deepcopy(_full_schema("response"))
    if kind == "all":
        return {"request": schema("request"), "response": schema("response"),
                "actions": [a.describe() for a in ACTIONS.values()]}
    raise ValidationError(f"The 'kind' parameter of yingji.api.schema must be one of "
                          f"'all', 'request', 'response'. Got {kind!r} instead.")


def _jsonschema_problems(doc: dict, instance) -> list[str] | None:
    """Problems from :mod:`jsonschema`, or None when it is not installed."""
    try:
        import jsonschema
    except ImportError:
        return None
    v = _validator(id(doc), doc, jsonschema)
    errs = sorted(v.iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    out = []
    for e in errs:
        # "anyOf"/"oneOf" failures quote the whole instance: name the best sub-error instead
        best = e
        if e.context:
            best = min(e.context, key=lambda c: (-len(c.absolute_path), len(c.message)))
        out.append(_short(f"{_path_text(best.absolute_path)}: {best.message}", _MAX_PROBLEM))
    return out


_VALIDATORS: dict = {}


@lru_cache(maxsize=None)
def _fast_validator_class(jsonschema):
    """Draft 2020-12 with ``items`` answered in one step for simple item schemas.

    A 300 x 30 cost matrix or a 300-number weight vector would otherwise be walked element by
    element (~10 ms a request); :func:`~yingji.api.validator.simple_items_valid` decides
    such lists at C speed and, when it cannot say "all valid", the standard ``items`` keyword
    runs, so every problem and its message are exactly jsonschema's.
    """
    standard = jsonschema.Draft202012Validator.VALIDATORS["items"]
    standard_if = jsonschema.Draft202012Validator.VALIDATORS["if"]

    def items(validator, items_schema, instance, schema):
        if "prefixItems" not in schema and simple_items_valid(items_schema, instance):
            return
        yield from standard(validator, items_schema, instance, schema)

    def if_(validator, if_schema, instance, schema):
        # the request schema's 20 "if the action is X then params are params_X" branches: the
        # condition decided directly instead of by a sub-validator each (same truth value:
        # "required" and "properties" hold for anything that is not an object, and a string
        # "const" is plain equality)
        action = _action_condition(if_schema)
        if action is None:
            yield from standard_if(validator, if_schema, instance, schema)
            return
        if not isinstance(instance, dict) or ("action" in instance and instance["action"] == action):
            if "then" in schema:
                yield from validator.descend(instance, schema["then"], schema_path="then")
        elif "else" in schema:
            yield from validator.descend(instance, schema["else"], schema_path="else")

    return jsonschema.validators.extend(jsonschema.Draft202012Validator, {"items": items, "if": if_})


def _action_condition(if_schema) -> str | None:
    """``X`` when ``if_schema`` is exactly ``{"required": ["action"], "properties": {"action":
    {"const": X}}}`` with a string ``X``, else None."""
    if not isinstance(if_schema, dict) or if_schema.keys() != {"required", "properties"}:
        return None
    if if_schema["required"] != ["action"]:
        return None
    props = if_schema["properties"]
    if not isinstance(props, dict) or props.keys() != {"action"}:
        return None
    cond = props["action"]
    if not isinstance(cond, dict) or cond.keys() != {"const"} or not isinstance(cond["const"], str):
        return None
    return cond["const"]


def _validator(key, doc, jsonschema):
    v = _VALIDATORS.get(key)
    if v is None or v[0] is not doc:
        v = (doc, _fast_validator_class(jsonschema)(doc))
        _VALIDATORS[key] = v
    return v[1]


def _problems(kind: str, instance, *, builtin: bool = False) -> list[str]:
    doc = _full_schema(kind)
    if not builtin:
        found = _jsonschema_problems(doc, instance)
        if found is not None:
            return found
    return _builtin_problems(doc, instance)


def validate_request(request, *, builtin: bool = False) -> list[str]:
    """Problems of a request against the request schema (empty list: valid).

    Parameters
    ----------
    request : object
        The parsed JSON request.
    builtin : bool
        Use the built-in validator even when :mod:`jsonschema` is installed.

    Returns
    -------
    list of str
        ``"$.params.radius: -1 is less than the minimum of 0"``-style entries.
    """
    return _problems("request", request, builtin=builtin)


def validate_response(response, *, builtin: bool = False) -> list[str]:
    """Problems of a response against the response schema (empty list: valid)."""
    return _problems("response", response, builtin=builtin)
