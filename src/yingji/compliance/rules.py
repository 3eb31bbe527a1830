"""Rules as data: loading, validating and merging rule sets.

A rule says that a county *metric* must stand in relation *operator* to a *threshold* in a
*unit*, by a *deadline*, according to a *clause* of a *standard*. The library ships six rule
sets as package data (``yingji/compliance/rules/*.csv``), built from the project's curated
``shared/rules/rules.csv`` with every row's provenance kept:

================== ===================================================================
name               rows
================== ===================================================================
county-plan-2020   ``S1-*``: the county's 2020 implementation plan (177 rows)
national-2019      ``S2-*``: 2019 national evaluation rules (办法, 细则, 评分标准, drafts)
GB51080            ``S3-*`` rows from GB 51080-2015 and 建标152-2017 (and 建标152-2011)
NFPA1710           ``S3-*`` rows from NFPA 1710
shelters           ``S4-*``: GB 21734, GB 50413, GB 51143, GB 50188, GB/T 44013
supplies           ``S5-*``: 建标121-2009 tiers, Sphere, GB 50282
================== ===================================================================

A user's own rules come as a CSV file (same columns as ``rules.csv``) or a TOML file (an array
of ``[[rule]]`` tables with the same keys). Sets combine (``"county-plan-2020,shelters"``, a
list, or ``"all"``); rows that state the same target twice are merged (:func:`merge_rules`).

Columns of a loaded rule table (:func:`load_rules`):
``id, rule_set, source, standard, clause, name_zh, name_en, metric, source_metric, operator,
threshold, threshold_text, unit, deadline, due, deadline_kind, veto, confidence, task_area,
notes, origin, merged_ids``.

References
----------
.. [1] XX县推进创建国家安全发展示范城市工作实施方案 (2020), ``shared/rules/000_*.txt``.
.. [2] 国家安全发展示范城市评价与管理办法 (安委〔2019〕5号) and 评价细则 (安委办〔2019〕16号).
.. [3] GB 51080-2015 城市消防规划规范; 建标152-2017 城市消防站建设标准.
.. [4] NFPA 1710 (2020), Standard for the Organization and Deployment of Fire Suppression
   Operations, Emergency Medical Operations, and Special Operations to the Public by Career
   Fire Departments.
.. [5] GB 21734-2008, GB 50413-2007, GB 51143-2015 (emergency shelters).
.. [6] 建标121-2009 救灾物资储备库建设标准; The Sphere Handbook (2018).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from yingji._validation import FALSE_TEXT, TRUE_TEXT, describe_positions
from yingji.compliance._units import normalise_unit
from yingji.config import COVER_TOL
from yingji.exceptions import ValidationError

__all__ = [
    "evaluate",
    "OPERATORS",
    "CONFIDENCES",
    "VETO_VALUES",
    "RULE_SETS",
    "TASK_AREAS",
    "METRIC_ALIASES",
    "RULE_COLUMNS",
    "available_rule_sets",
    "load_rules",
    "read_rules_file",
    "validate_rules",
    "merge_rules",
    "canonical_metric",
    "parse_deadline",
    "classify_confidence",
    "build_package_rules",
]

#: Operators as written in the rules table.
OPERATORS = (">=", ">", "==", "<=", "<", "exists")
_OPERATOR_SPELLINGS = {"≥": ">=", "≤": "<=", "=": "==", "＝": "==", "＞": ">", "＜": "<"}

#: How sure a row's threshold is, best first (rules README, ``notes`` column).
CONFIDENCES = ("CONFIRMED", "SEED", "SECONDARY", "DRAFT", "UNCONFIRMED")

#: Veto (否决项) flag values.
VETO_VALUES = ("yes", "no", "unknown")
_VETO_SPELLINGS = {"true": "yes", "1": "yes", "是": "yes", "false": "no", "0": "no", "否": "no",
                   "": "no", "?": "unknown"}

#: Shipped rule sets -> package data file.
RULE_SETS = {
    "county-plan-2020": "county-plan-2020.csv",
    "national-2019": "national-2019.csv",
    "GB51080": "GB51080.csv",
    "NFPA1710": "NFPA1710.csv",
    "shelters": "shelters.csv",
    "supplies": "supplies.csv",
}
_SET_ALIASES = {
    "county-plan": "county-plan-2020", "s1": "county-plan-2020",
    "national": "national-2019", "s2": "national-2019",
    "gb51080": "GB51080", "gb51080-2015": "GB51080",
    "nfpa1710": "NFPA1710", "nfpa": "NFPA1710", "nfpa-1710": "NFPA1710",
    "s4": "shelters", "s5": "supplies",
}

#: Task areas of the county plan (三、工作任务 (一)-(五)), Chinese -> English. Rows outside the
#: five task paragraphs (总体要求, 组织机构, 时间安排, 保障措施, eligibility) are "综合".
TASK_AREAS = {
    "源头治理": "Source governance",
    "风险防控": "Risk prevention and control",
    "监督管理": "Supervision and management",
    "应急救援": "Emergency rescue",
    "宣传": "Publicity",
    "综合": "General and organisation",
}

#: Metric names that state the same quantity under another name -> the canonical name
#: (rules README, "Known overlaps"). Indicators and registered metrics are looked up under
#: the canonical name and every alias.
METRIC_ALIASES = {
    # S4-001 (GB 21734-2008 5.4) and S1-145 (county plan): the same 1.5 m2 target.
    "shelter_living_area_per_capita": "shelter_area_per_capita",
    # S3-014 (建标152-2017): "suburban" is an area type (urban edge / new district), not a
    # station class; its 15 km2 limit is GB 51080-2015 4.1.3-2's edge-district limit (S3-003).
    "district_area_suburban_km2": "fire_district_area_edge_km2",
}

#: Columns of a rules file (shared/rules/rules.csv); ``id, metric, operator, threshold`` are
#: required, the rest default to empty (``veto`` to "no").
FILE_COLUMNS = ("id", "source", "clause", "name_zh", "name_en", "metric", "operator", "threshold",
                "unit", "deadline", "veto", "notes")
REQUIRED_COLUMNS = ("id", "metric", "operator", "threshold")
#: Extra columns the shipped files carry (derived when the package data is built).
PACKAGE_COLUMNS = ("rule_set", "confidence", "standard", "task_area", "origin")
#: Columns of a loaded rule table.
RULE_COLUMNS = ("id", "rule_set", "source", "standard", "clause", "name_zh", "name_en", "metric",
                "source_metric", "operator", "threshold", "threshold_text", "unit", "deadline",
                "due", "deadline_kind", "veto", "confidence", "task_area", "notes", "origin",
                "merged_ids", "citation")

_METRIC_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\s*[(（].*[)）])?$")
_FROM_RE = re.compile(r"^(?:from|自|从)\s*(\d{4}-\d{2}-\d{2})(?:\s*(?:起|[(（].*[)）]))?$",
                      re.IGNORECASE)
_UNSPECIFIED = ("unspecified", "n/a", "na", "-", "未规定")


def citation(standard: str, clause: str) -> str:
    """``standard clause`` for a report's ``source`` column, without repeating the standard.

    Examples
    --------
    >>> citation("GB 51080-2015", "GB 51080-2015 4.1.3-1")
    'GB 51080-2015 4.1.3-1'
    >>> citation("XX县创城实施方案(2020)", "三(四)14")
    'XX县创城实施方案(2020) 三(四)14'
    """
    standard, clause = (standard or "").strip(), (clause or "").strip()
    if not standard:
        return clause
    if not clause:
        return standard
    head = standard.split(" ")[0]
    if clause.startswith(standard) or (len(head) >= 2 and clause.startswith(head)):
        return clause
    return f"{standard} {clause}"


def canonical_metric(name: str) -> str:
    """The canonical name of a metric (:data:`METRIC_ALIASES`); unknown names pass through."""
    return METRIC_ALIASES.get(name, name)


def metric_aliases(name: str) -> list[str]:
    """All names of a metric: the canonical one first, then every alias of it."""
    canon = canonical_metric(name)
    return [canon] + [a for a, c in METRIC_ALIASES.items() if c == canon and a != canon]


def parse_deadline(text) -> tuple[str, _dt.date | None]:
    """Parse a ``deadline`` cell.

    Returns
    -------
    kind : str
        ``"none"`` (no deadline: the duty holds now), ``"by"`` (a due date, ``2020-06-30 (6月底前)``)
        or ``"from"`` (an ongoing duty due from that date on, ``from 2020-08-01``).
    date : datetime.date or None

    Raises
    ------
    ValueError
        When the text is neither empty, a date, nor ``from <date>``.

    Examples
    --------
    >>> parse_deadline("2020-06-30 (6月底前)")
    ('by', datetime.date(2020, 6, 30))
    >>> parse_deadline("from 2020-08-01")
    ('from', datetime.date(2020, 8, 1))
    """
    s = "" if text is None else str(text).strip()
    if s == "" or s.lower() in ("nan", "none", "ongoing"):
        return "none", None
    m = _DATE_RE.match(s)
    kind = "by"
    if m is None:
        m = _FROM_RE.match(s)
        kind = "from"
    if m is None:
        raise ValueError(f"not a deadline: {s!r} (expected 'YYYY-MM-DD', 'YYYY-MM-DD (note)' or "
                         f"'from YYYY-MM-DD')")
    return kind, _dt.date.fromisoformat(m.group(1))


def classify_confidence(notes: str) -> str:
    """How sure a row is, from its ``notes`` text (rules README).

    ``SEED`` (read from the county plan), ``CONFIRMED`` (read in the standard or an official
    page), ``SECONDARY`` (confirmed from a secondary source: exam-prep quotes, guidance citing
    the standard, or an older edition only), ``DRAFT`` (a consultation draft) or
    ``UNCONFIRMED`` (from memory). Anything unrecognised is ``UNCONFIRMED``.

    Examples
    --------
    >>> classify_confidence("CONFIRMED (secondary) https://example.org")
    'SECONDARY'
    """
    s = (notes or "").strip()
    up = s.upper()
    if up.startswith("SEED"):
        return "SEED"
    if up.startswith("UNCONFIRMED"):
        return "UNCONFIRMED"
    if up.startswith("DRAFT") or "FOR DRAFT ONLY" in up:
        return "DRAFT"
    if up.startswith("CONFIRMED") or up.startswith("EXISTENCE CONFIRMED"):
        head = s[len("CONFIRMED"):].lstrip().lower() if up.startswith("CONFIRMED") else ""
        if head.startswith("(secondary") or head.startswith("(exam-prep") or head.startswith(
                "for 2011 edition"):
            return "SECONDARY"
        return "CONFIRMED"
    return "UNCONFIRMED"


def _standard_of(group: str, clause: str) -> str:
    """The standard a shared-table row comes from, from its source group and clause."""
    c = clause.strip()
    known = [
        ("GB 51080-2015", "GB 51080-2015"), ("建标152-2017", "建标152-2017"),
        ("建标152-2011", "建标152-2011"), ("NFPA 1710", "NFPA 1710"),
        ("GB 21734-2008", "GB 21734-2008"), ("GB 50413-2007", "GB 50413-2007"),
        ("GB 51143-2015", "GB 51143-2015"), ("GB 50188-2007", "GB 50188-2007"),
        ("GB/T 44013-2024", "GB/T 44013-2024"), ("[code at cabr-fire 42575]",
                                                   "code at gf.cabr-fire.com article 42575"),
        ("建标121 征求意见稿", "建标121 征求意见稿(2008)"), ("建标121-2009", "建标121-2009"),
        ("湖南9部门", "湖南省9部门指导意见"), ("Sphere/UNHCR", "Sphere/UNHCR comparison"),
        ("Sphere", "Sphere Handbook"), ("GB 50282-2016", "GB 50282-2016"),
        ("上海红十字会", "上海红十字会常备救灾物资目录(2021)"),
        ("办法", "安委〔2019〕5号 评价与管理办法"), ("细则征求意见稿", "评价细则征求意见稿"),
        ("细则2019", "安委办〔2019〕16号 评价细则"), ("评分标准2019", "安委办〔2020〕2号 评分标准"),
        ("建设指导手册", "安委办函〔2020〕56号 建设指导手册"),
    ]
    if group.startswith("S1"):
        return "XX县创城实施方案(2020)"
    for prefix, name in known:
        if c.startswith(prefix):
            return name
    return group


def _task_area_of(rule_id: str, group: str, clause: str, metric: str) -> str:
    """Task area (源头治理 ... 宣传, or 综合) of a shared-table row."""
    c = clause.strip()
    if group.startswith("S1"):
        for key, area in (("三(一)", "源头治理"), ("三(二)", "风险防控"), ("三(三)", "监督管理"),
                          ("三(四)", "应急救援"), ("三(五)", "宣传")):
            if c.startswith(key):
                return area
        return "综合"
    if group.startswith("S2"):
        if metric.startswith("score_source") or metric in (
                "fire_response_edge_minutes", "old_network_renovation_rate",
                "fire_station_equipment_compliance_rate", "main_road_physical_separation_rate",
                "road_marking_correct_rate", "traffic_signal_intact_rate",
                "school_hospital_calming_device_rate"):
            return "源头治理"
        if metric.startswith("score_risk") or metric in ("large_event_participants_threshold",
                                                         "crowded_area_utility_monitoring_rate"):
            return "风险防控"
        return "综合"
    if group.startswith("S3"):
        # the plan files station layout/scale/equipment under 三(一)2 (infrastructure);
        # NFPA response-time and staffing objectives are rescue performance.
        return "应急救援" if c.startswith("NFPA") else "源头治理"
    return "应急救援"  # S4 shelters, S5 supplies: the plan's 三(四)14


def _set_of(group: str, clause: str) -> str:
    if group.startswith("S1"):
        return "county-plan-2020"
    if group.startswith("S2"):
        return "national-2019"
    if group.startswith("S3"):
        return "NFPA1710" if clause.strip().startswith("NFPA") else "GB51080"
    if group.startswith("S4"):
        return "shelters"
    if group.startswith("S5"):
        return "supplies"
    raise ValueError(f"unknown source group {group!r}")


def build_package_rules(source_csv, out_dir) -> dict[str, int]:
    """Build the shipped rule files from the curated ``rules.csv``.

    Every column of the source is kept unchanged (``notes`` holds each row's provenance: SEED
    text, CONFIRMED url, ...); the derived columns ``rule_set``, ``confidence``, ``standard``,
    ``task_area`` and ``origin`` (file, sha256 prefix and line of the source row) are added.

    Parameters
    ----------
    source_csv : path-like
        ``shared/rules/rules.csv``.
    out_dir : path-like
        Folder to write ``<rule set>.csv`` into (``src/yingji/compliance/rules``).

    Returns
    -------
    dict
        Rule set name -> number of rows written.
    """
    source_csv = Path(source_csv)
    raw = source_csv.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()[:16]
    df = pd.read_csv(source_csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    df["rule_set"] = [_set_of(g, c) for g, c in zip(df["source"], df["clause"])]
    df["confidence"] = [classify_confidence(n) for n in df["notes"]]
    df["standard"] = [_standard_of(g, c) for g, c in zip(df["source"], df["clause"])]
    df["task_area"] = [_task_area_of(i, g, c, m) for i, g, c, m in
                       zip(df["id"], df["source"], df["clause"], df["metric"])]
    df["origin"] = [f"shared/rules/rules.csv sha256:{digest} line {k + 2}" for k in range(len(df))]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, fname in RULE_SETS.items():
        part = df[df["rule_set"] == name]
        part.to_csv(out / fname, index=False, encoding="utf-8", lineterminator="\n")
        counts[name] = int(len(part))
    return counts


# ----------------------------------------------------------------------------- reading files


def _read_toml(path: Path) -> pd.DataFrame:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"rules file {str(path)!r} is not valid TOML: {exc}") from exc
    rows = doc.get("rule", doc.get("rules"))
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValidationError(
            f"rules file {str(path)!r} must hold an array of tables [[rule]] (one per rule). "
            f"Got keys {sorted(doc)!r} instead.")
    recs = []
    for r in rows:
        rec = {}
        for k, v in r.items():
            if isinstance(v, bool):
                v = "true" if v else "false"
            elif isinstance(v, (_dt.date, _dt.datetime)):
                v = v.isoformat()[:10]
            rec[k] = "" if v is None else str(v)
        recs.append(rec)
    df = pd.DataFrame.from_records(recs)
    return df.fillna("").astype(object)


def read_rules_file(path) -> pd.DataFrame:
    """Read a rules file (CSV or TOML) as raw text cells, without validating it.

    CSV files are read as UTF-8 (a byte-order mark from Excel is accepted); every cell is
    text. TOML files hold ``[[rule]]`` tables with the same keys as the CSV columns.
    """
    p = Path(path)
    if not p.is_file():
        raise ValidationError(f"The 'rules' parameter of load_rules names a file that does not "
                              f"exist. Got {str(p)!r} instead.")
    if p.suffix.lower() == ".toml":
        df = _read_toml(p)
    else:
        try:
            df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            raise ValidationError(f"rules file {str(p)!r} cannot be read as CSV: {exc}") from exc
    df.columns = [str(c).strip() for c in df.columns]
    return df.astype(object)


# ----------------------------------------------------------------------------- validation


def _row_label(kind: str, k: int) -> str:
    # CSV: line k + 2 (header is line 1); TOML: the k-th [[rule]] table (1-based)
    return f"line {k + 2}" if kind == "csv" else f"[[rule]] #{k + 1}"


def validate_rules(raw: pd.DataFrame, *, origin: str = "<DataFrame>", kind: str = "csv",
                   rule_set: str = "user") -> pd.DataFrame:
    """Validate raw rule rows and return the normalised rule table.

    Every problem is collected and raised once, each naming the file, the row (CSV line
    number, or the TOML ``[[rule]]`` number), the rule id and the column.

    Parameters
    ----------
    raw : pandas.DataFrame
        Text cells with the columns of ``rules.csv`` (``id``, ``metric``, ``operator``,
        ``threshold`` required; ``source, clause, name_zh, name_en, unit, deadline, veto,
        notes`` optional; ``confidence, standard, task_area, rule_set, origin`` optional).
    origin : str
        File name used in messages and in the ``origin`` column.
    kind : {"csv", "toml", "frame"}
        How rows are named in messages.
    rule_set : str
        Name given to rows without a ``rule_set`` column.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RULE_COLUMNS`, one row per rule, in file order.

    Raises
    ------
    ValidationError
        Missing required columns; empty or duplicate ids; a metric that is not an identifier;
        an unknown operator; a threshold that is not a number (or ``true`` for ``exists``);
        a bad deadline; an unknown veto or confidence value.
    """
    where = f"rules file {origin!r}" if kind != "frame" else "rules table"
    problems: list[str] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise ValidationError(
            f"{where} lacks the required column(s) {missing!r}; it has {list(raw.columns)!r}. "
            f"Required: {list(REQUIRED_COLUMNS)!r}.")
    df = raw.copy()
    for c in FILE_COLUMNS + PACKAGE_COLUMNS:
        if c not in df.columns:
            df[c] = ""
    df = df.astype(object).fillna("")
    for c in df.columns:
        df[c] = [("" if v is None else str(v)).strip() for v in df[c]]

    def bad(k: int, col: str, msg: str) -> None:
        rid = ids[k]
        idtxt = f" (id {rid!r})" if rid else ""
        lab = _row_label(kind, k) if kind != "frame" else f"row {k}"
        problems.append(f"{where}, {lab}{idtxt}, column {col!r}: {msg}")

    out = []
    seen: dict[str, int] = {}
    ids = list(df["id"])
    for k, r in enumerate(df.to_dict(orient="records")):
        rid = r["id"]
        if not rid:
            bad(k, "id", "must not be empty.")
        elif rid in seen:
            bad(k, "id", f"duplicate id, first used on {_row_label(kind, seen[rid])}.")
        else:
            seen[rid] = k
        metric = r["metric"]
        if not _METRIC_RE.match(metric):
            bad(k, "metric", f"must be a name of letters, digits and '_' starting with a letter. "
                             f"Got {metric!r} instead.")
        op = _OPERATOR_SPELLINGS.get(r["operator"], r["operator"]).lower()
        if op not in OPERATORS:
            bad(k, "operator", f"must be one of {', '.join(OPERATORS)}. Got {r['operator']!r} "
                               f"instead.")
        thr_text = r["threshold"]
        thr = np.nan
        if op == "exists":
            t = thr_text.lower()
            if t not in TRUE_TEXT | FALSE_TEXT | {""}:
                bad(k, "threshold", f"must be 'true' or 'false' for operator 'exists'. Got "
                                    f"{thr_text!r} instead.")
            thr_text = "false" if t in FALSE_TEXT else "true"
        elif op in OPERATORS:
            if thr_text.lower() in _UNSPECIFIED:
                thr_text = "unspecified"
            else:
                try:
                    thr = float(thr_text)
                    if not np.isfinite(thr):
                        raise ValueError
                except ValueError:
                    bad(k, "threshold", f"must be a finite number (or 'unspecified') for operator "
                                        f"{op!r}. Got {thr_text!r} instead.")
        unit = normalise_unit(r["unit"])
        if op == "exists" and unit == "":
            unit = "bool"
        try:
            dkind, due = parse_deadline(r["deadline"])
        except ValueError:
            bad(k, "deadline", f"must be empty, 'YYYY-MM-DD' (optionally followed by a note in "
                               f"brackets) or 'from YYYY-MM-DD'. Got {r['deadline']!r} instead.")
            dkind, due = "none", None
        veto = _VETO_SPELLINGS.get(r["veto"].lower(), r["veto"].lower())
        if veto not in VETO_VALUES:
            bad(k, "veto", f"must be one of yes, no, unknown. Got {r['veto']!r} instead.")
        conf = r["confidence"].upper()
        if conf == "":
            conf = classify_confidence(r["notes"])
        elif conf not in CONFIDENCES:
            bad(k, "confidence", f"must be one of {', '.join(CONFIDENCES)}. Got "
                                 f"{r['confidence']!r} instead.")
        area = r["task_area"] or "综合"
        if area not in TASK_AREAS:
            en = {v.lower(): z for z, v in TASK_AREAS.items()}
            if area.lower() in en:
                area = en[area.lower()]
            else:
                bad(k, "task_area", f"must be one of {', '.join(TASK_AREAS)} (or their English "
                                    f"names). Got {r['task_area']!r} instead.")
        clause = r["clause"]
        standard = r["standard"] or r["source"] or origin
        out.append({
            "id": rid,
            "rule_set": r["rule_set"] or rule_set,
            "source": r["source"],
            "standard": standard,
            "clause": clause,
            "name_zh": r["name_zh"],
            "name_en": r["name_en"],
            "metric": canonical_metric(metric),
            "source_metric": metric,
            "operator": op,
            "threshold": thr,
            "threshold_text": thr_text,
            "unit": unit,
            "deadline": r["deadline"],
            "due": due.isoformat() if due else "",
            "deadline_kind": dkind,
            "veto": veto,
            "confidence": conf,
            "task_area": area,
            "notes": r["notes"],
            "origin": r["origin"] or (f"{origin} {_row_label(kind, k)}" if kind != "frame"
                                      else f"{origin} row {k}"),
            "merged_ids": rid,
            "citation": citation(standard, clause),
        })
    if problems:
        n = len(problems)
        head = problems[0] if n == 1 else f"{n} problems in {where}:\n" + "\n".join(
            f"  - {p}" for p in problems)
        raise ValidationError(head, problems)
    res = pd.DataFrame.from_records(out, columns=list(RULE_COLUMNS))
    res["threshold"] = res["threshold"].astype(float)
    return res


# ----------------------------------------------------------------------------- merging

_CONF_RANK = {c: i for i, c in enumerate(CONFIDENCES)}
_VETO_RANK = {"yes": 0, "unknown": 1, "no": 2}


def merge_rules(rules: pd.DataFrame) -> pd.DataFrame:
    """Merge rows that state the same target.

    Rows are the same target when their canonical metric (:data:`METRIC_ALIASES`), operator,
    threshold and unit agree: S2-006 and S3-001 (the 5-minute fire response, national scoring
    and GB 51080-2015 4.1.3-1), S1-145 and S4-001 (1.5 m² of shelter per person), S3-003 and
    S3-014 (15 km² for edge-district stations). The merged row keeps the first row's id and
    names, lists every id in ``merged_ids`` (``;``-separated), joins ``standard``, ``clause``,
    ``rule_set``, ``notes`` and ``origin`` (``" | "``), keeps the best confidence
    (:data:`CONFIDENCES` order), the strongest veto flag (yes > unknown > no) and the earliest
    due date. Rows of one metric with different thresholds stay separate (both are checked).
    """
    if rules.empty:
        return rules.copy()
    key = (rules["metric"].astype(str) + "\x1f" + rules["operator"].astype(str) + "\x1f"
           + rules["threshold_text"].map(lambda t: _num_key(t)) + "\x1f" + rules["unit"].astype(str))
    dup = key.duplicated(keep=False)
    if not dup.any():
        return rules.reset_index(drop=True)
    recs = rules.to_dict(orient="records")
    rows = []
    done: set = set()
    for i, k in enumerate(key):
        if not dup.iloc[i]:
            rows.append(recs[i])
            continue
        if k in done:
            continue
        done.add(k)
        g = rules[key == k]
        first = dict(recs[i])

        def join(col, sep=" | "):
            vals = [v for v in g[col].astype(str) if v]
            return sep.join(dict.fromkeys(vals))

        first["merged_ids"] = ";".join(g["id"].astype(str))
        for col in ("standard", "clause", "notes", "origin", "source", "citation"):
            first[col] = join(col)
        first["rule_set"] = join("rule_set", sep="+")
        first["confidence"] = min(g["confidence"], key=lambda c: _CONF_RANK.get(c, 99))
        first["veto"] = min(g["veto"], key=lambda v: _VETO_RANK.get(v, 9))
        dated = g[g["due"] != ""]
        if len(dated):
            j = dated["due"].astype(str).idxmin()
            first["due"], first["deadline"], first["deadline_kind"] = (
                dated.at[j, "due"], dated.at[j, "deadline"], dated.at[j, "deadline_kind"])
        rows.append(first)
    out = pd.DataFrame.from_records(rows, columns=list(RULE_COLUMNS))
    out["threshold"] = out["threshold"].astype(float)
    return out.reset_index(drop=True)


def _num_key(t: str) -> str:
    try:
        return repr(float(t))
    except ValueError:
        return str(t)


# ----------------------------------------------------------------------------- loading


def available_rule_sets() -> list[str]:
    """Names of the shipped rule sets."""
    return list(RULE_SETS)


def _package_file(name: str):
    return resources.files("yingji.compliance").joinpath("rules", RULE_SETS[name])


def _resolve_set_name(name: str) -> str | None:
    if name in RULE_SETS:
        return name
    return _SET_ALIASES.get(name.lower()) or next(
        (s for s in RULE_SETS if s.lower() == name.lower()), None)


@lru_cache(maxsize=None)
def _load_shipped(name: str) -> pd.DataFrame:
    with _package_file(name).open("r", encoding="utf-8") as fh:
        raw = pd.read_csv(fh, dtype=str, keep_default_na=False).astype(object)
    return validate_rules(raw, origin=f"yingji/compliance/rules/{RULE_SETS[name]}",
                          kind="csv", rule_set=name)


def _load_one(spec) -> pd.DataFrame:
    if isinstance(spec, pd.DataFrame):
        return validate_rules(spec.astype(object), kind="frame", origin="<DataFrame>")
    if isinstance(spec, Path) or (isinstance(spec, str) and (
            spec.lower().endswith((".csv", ".toml")) or "/" in spec or "\\" in spec)):
        p = Path(spec)
        raw = read_rules_file(p)
        kind = "toml" if p.suffix.lower() == ".toml" else "csv"
        return validate_rules(raw, origin=str(p), kind=kind, rule_set=p.stem)
    if isinstance(spec, str):
        name = _resolve_set_name(spec.strip())
        if name is None:
            raise ValidationError(
                f"The 'rules' parameter of load_rules must be a rule set name "
                f"({', '.join(RULE_SETS)}, or 'all'), a path to a .csv/.toml rules file, or a "
                f"DataFrame. Got {spec!r} instead.")
        return _load_shipped(name).copy()
    raise ValidationError(
        f"The 'rules' parameter of load_rules must be a rule set name, a path, a DataFrame or a "
        f"list of these. Got {type(spec).__name__} instead.")


def _expand(rules) -> list:
    if isinstance(rules, (str, Path, pd.DataFrame)):
        items = [rules]
    elif isinstance(rules, Iterable):
        items = list(rules)
    else:
        items = [rules]
    split: list = []
    for it in items:
        if isinstance(it, str) and "," in it and not Path(it).is_file():
            split.extend(s.strip() for s in it.split(",") if s.strip())
        else:
            split.append(it)
    out: list = []
    for it in split:
        if isinstance(it, str) and it.strip().lower() == "all":
            out.extend(RULE_SETS)
        else:
            out.append(it)
    return out


def load_rules(rules="county-plan-2020", *, merge: bool = True) -> pd.DataFrame:
    """Load, validate and (optionally) merge one or more rule sets.

    Parameters
    ----------
    rules : str, path, DataFrame or list of these
        A shipped set name (``"county-plan-2020"``, ``"national-2019"``, ``"GB51080"``,
        ``"NFPA1710"``, ``"shelters"``, ``"supplies"``), several joined by commas, ``"all"``, a
        path to a user's ``.csv`` / ``.toml`` rules file, a DataFrame with the rules columns, or
        a list mixing these.
    merge : bool, default True
        Merge rows that state the same target (:func:`merge_rules`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RULE_COLUMNS`.

    Raises
    ------
    ValidationError
        Unknown set name, unreadable or invalid file (every problem named by file, row and
        column), or the same rule id in two of the combined sets.

    Examples
    --------
    >>> r = load_rules("county-plan-2020")
    >>> len(r)
    177
    >>> r2 = load_rules("national-2019,GB51080")   # S2-006 and S3-001 become one row
    >>> r2.set_index("id").at["S2-006", "merged_ids"]
    'S2-006;S3-001'
    """
    specs = _expand(rules)
    if not specs:
        raise ValidationError("The 'rules' parameter of load_rules must name at least one rule "
                              "set. Got an empty list instead.")
    seen_sets: list = []
    parts = []
    for s in specs:
        if isinstance(s, str) and _resolve_set_name(s.strip()) in seen_sets:
            continue  # the same shipped set twice
        if isinstance(s, str) and _resolve_set_name(s.strip()):
            seen_sets.append(_resolve_set_name(s.strip()))
        parts.append(_load_one(s))
    df = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    dup = df["id"][df["id"].duplicated(keep=False)]
    if len(dup):
        ids = sorted(set(dup))
        where = {i: sorted(set(df.loc[df["id"] == i, "rule_set"])) for i in ids}
        raise ValidationError(
            f"The 'rules' parameter of load_rules combines sets that share rule ids: "
            f"{describe_positions(range(len(ids)), ids)} (in {where}). Give each rule a unique id.",
            [f"duplicate rule id {i!r} in {where[i]}" for i in ids])
    if merge:
        df = merge_rules(df)
    return df.reset_index(drop=True)


def evaluate(value, operator: str, threshold, *, rtol: float = COVER_TOL):
    """Compare one value with a threshold.

    Parameters
    ----------
    value : float or bool
        The value in the rule's unit (a bool for ``exists``).
    operator : {">=", ">", "==", "<=", "<", "exists"}
    threshold : float or bool
        The threshold (``True`` for ``exists``: must exist; ``False``: must not).
    rtol : float
        Relative tolerance (module docstring).

    Returns
    -------
    met : bool
    margin : float or None
        Signed distance to the threshold, positive on the passing side (None for ``exists``).

    Examples
    --------
    >>> evaluate(1.5, ">", 1.5)
    (False, 0.0)
    >>> evaluate(1.5, ">=", 1.5)
    (True, 0.0)
    >>> evaluate(4.2, "<=", 5)
    (True, 0.7999999999999998)
    """
    if operator == "exists":
        want = bool(threshold) if threshold is not None else True
        return bool(value) == want, None
    v, t = float(value), float(threshold)
    tol = rtol * max(1.0, abs(t))
    if operator == ">=":
        return bool(v >= t - tol), v - t
    if operator == ">":
        return bool(v > t + tol), v - t
    if operator == "<=":
        return bool(v <= t + tol), t - v
    if operator == "<":
        return bool(v < t - tol), t - v
    if operator == "==":
        return bool(abs(v - t) <= tol), -abs(v - t)
    raise ValidationError(f"The 'operator' parameter of evaluate must be one of >=, >, ==, <=, <, "
                          f"exists. Got {operator!r} instead.")
