"""Types of the extra columns of a county table read as text (CSV or a workbook sheet): as
recorded under ``[dtypes]`` in ``county.toml``, else inferred."""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from yingji.county.specs import _TRUE, _to_str


def _type_extra_columns(df: pd.DataFrame, spec, extra) -> pd.DataFrame:
    """Columns read as text that the table spec does not know: typed as recorded in
    ``[dtypes]`` (``extra``: column -> kind), else inferred (:func:`_infer_text_col`)."""
    extra = extra if isinstance(extra, Mapping) else {}
    for col, kind in extra.items():
        if col in df.columns and col not in spec.columns:
            df[col] = _restore_text_col(df[col], kind)
    for col in df.columns:
        if col not in spec.columns and col != spec.index and col not in extra:
            df[col] = _infer_text_col(df[col])
    return df


def _restore_text_col(s: pd.Series, kind: str) -> pd.Series:
    if kind == "float":
        return pd.to_numeric(s, errors="coerce").astype("float64")
    if kind == "int":
        return pd.to_numeric(s, errors="coerce").astype("int64")
    if kind == "bool":
        return s.fillna("").str.strip().str.lower().isin(_TRUE)
    if kind == "date":
        return pd.to_datetime(s, format="ISO8601").astype("datetime64[ns]")
    return _to_str(s)


def _infer_text_col(s: pd.Series) -> pd.Series:
    """Type of an extra CSV column without a recorded dtype: int, float, bool or str."""
    words = {str(v).strip().lower() for v in s.dropna()}
    if words and words <= {"true", "false"}:
        return s.fillna("").str.strip().str.lower().eq("true")
    num = pd.to_numeric(s, errors="coerce")
    if (num.notna() | s.isna()).all() and s.notna().any():
        if (num.dropna() % 1 == 0).all() and s.notna().all() and not s.str.contains(r"[.eE]").any():
            return num.astype("int64")
        return num.astype("float64")
    return _to_str(s)
