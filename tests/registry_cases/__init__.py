"""Gradient-check cases for every registered primitive, one module per family.

Each module defines `CASES: dict[str, list[Case]]` keyed by primitive name.
A case is a function of tensors that exercises the primitive, and its inputs;
cover broadcasting, size-1 and 0-d shapes where they apply.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Case:
    fn: Callable
    inputs: tuple
    note: str = field(default="")

    def __repr__(self) -> str:
        shapes = ", ".join(str(np.shape(x)) for x in self.inputs)
        return f"({shapes}){' ' + self.note if self.note else ''}"


def case(fn: Callable, *inputs, note: str = "") -> Case:
    return Case(fn, tuple(np.asarray(x) for x in inputs), note)


RNG = np.random.default_rng(0)


def rand(*shape: int, low: float = -1.0, high: float = 1.0) -> np.ndarray:
    """Random float64 values in [low, high)."""
    return RNG.uniform(low, high, shape)


def all_cases() -> dict[str, list[Case]]:
    merged: dict[str, list[Case]] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name, cases in module.CASES.items():
            merged.setdefault(name, []).extend(cases)
    return merged
