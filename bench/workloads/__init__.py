"""The benchmark workloads, W1..W6, by key."""

from __future__ import annotations

import importlib

from ..harness import Workload

MODULES = {
    "W1": "w1_small_ops",
    "W2": "w2_large_matmul",
    "W3": "w3_jacobian",
    "W4": "w4_hessian",
    "W5": "w5_mlp_step",
    "W6": "w6_deep_chain",
}


def load(key: str) -> Workload:
    """The workload `key` (e.g. "W3"); imports no peer."""
    return importlib.import_module(f"{__name__}.{MODULES[key]}").WORKLOAD


def all_keys() -> list[str]:
    return list(MODULES)
