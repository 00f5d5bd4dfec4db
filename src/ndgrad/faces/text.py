"""Numbers and matrices as people read them in a terminal (`4`, not `4.0000e+00`)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from ..backend import xp
from ..core.graph import TensorBase

__all__ = ["number", "matrix_table", "nested", "pretty", "json_number"]

_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def number(value: Any, digits: int = 10) -> str:
    """A float written briefly: integers without a decimal point, others with `digits` significant digits."""
    v = float(value.data if isinstance(value, TensorBase) else value)
    if math.isnan(v) or math.isinf(v):
        return str(v)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.{digits}g}"


def json_number(value: Any) -> float | None:
    """A float for JSON output; None for nan/inf, which JSON cannot hold."""
    v = float(value)
    return v if math.isfinite(v) else None


def nested(values: Any, digits: int = 10) -> str:
    """An array written as nested lists of brief numbers: [[4, 3], [5, 48]]."""
    arr = xp.asarray(values.data if isinstance(values, TensorBase) else values)
    if arr.ndim == 0:
        return number(arr, digits)
    return "[" + ", ".join(nested(row, digits) for row in arr) + "]"


def matrix_table(values: Any, row_labels: Sequence[str], col_labels: Sequence[str], indent: str = "  ") -> str:
    """A matrix as an aligned table with labelled rows and columns."""
    arr = xp.asarray(values, dtype=xp.float64).reshape(len(row_labels), len(col_labels))
    cells = [[number(v) for v in row] for row in arr]
    left = max((len(r) for r in row_labels), default=0)
    widths = [max([len(c)] + [len(row[j]) for row in cells]) for j, c in enumerate(col_labels)]
    head = indent + " " * left + "".join("  " + c.rjust(w) for c, w in zip(col_labels, widths, strict=True))
    body = [
        indent + label.ljust(left) + "".join("  " + cell.rjust(w) for cell, w in zip(row, widths, strict=True))
        for label, row in zip(row_labels, cells, strict=True)
    ]
    return "\n".join([head, *body])


def pretty(expression: str) -> str:
    """Math-book spelling of an expression: x**2 + 3*y -> x² + 3y."""
    text = re.sub(r"\*\*(\d+)\b", lambda m: m.group(1).translate(_SUPERSCRIPTS), expression)
    return re.sub(r"(?<![\w.])(\d+(?:\.\d+)?)\*(?=[A-Za-z(])", r"\1", text)
