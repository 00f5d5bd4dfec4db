"""The vocabulary every workload uses: implementations, targets, workloads.

A workload module builds one `Workload`: its cases (sizes), a `make_data`
that gives every process the same seeded NumPy inputs, and one `Impl` per
peer implementation.  An implementation's `setup(data, **case)` imports its
peer, prepares inputs and returns `step`, a callable that runs the timed work
once and returns its outputs (gradients, Jacobians...) for the correctness
check.  Nothing here imports a peer, so every workload module imports without
them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Step = Callable[[], Sequence[Any]]
Setup = Callable[..., Step]


@dataclass(frozen=True)
class Impl:
    """One way of running a workload: `key` is unique within the workload,
    `peer` the module it needs ('numpy', 'ndgrad', 'torch', 'jax', 'autograd', 'mygrad').
    `requires` names the attributes of the peer it uses that may not exist yet
    (dotted, e.g. "func.jacrev"), so that tests can tell "not built yet" from "wrong"."""

    key: str
    label: str
    peer: str
    setup: Setup
    note: str = ""
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Target:
    """`impl` must take at most `max_ratio` times the time of `baseline`.

    `baseline` is an impl key, or "fastest-peer": the fastest implementation
    whose peer is neither ndgrad nor NumPy (steady state, jit included)."""

    impl: str
    baseline: str
    max_ratio: float
    case: str | None = None  # None: every case


@dataclass
class Workload:
    key: str
    title: str
    description: str
    cases: dict[str, dict[str, Any]]
    smoke_case: dict[str, Any]
    make_data: Callable[..., dict[str, np.ndarray]]
    impls: list[Impl]
    reference: str = "numpy"
    compare_to: str | None = None  # a second ratio column (e.g. PyTorch eager)
    targets: list[Target] = field(default_factory=list)
    per_op: tuple[str, int] | None = None  # ("op", 51): also show microseconds per op
    rtol: float = 1e-7
    max_rounds: int | None = None  # cap for very slow workloads
    measure_memory: bool = False

    def impl(self, key: str) -> Impl:
        for impl in self.impls:
            if impl.key == key:
                return impl
        raise KeyError(f"{self.key} has no implementation {key!r}; it has {[i.key for i in self.impls]}")


def as_numpy(value: Any) -> np.ndarray:
    """Any peer's array or tensor as a float64 NumPy array."""
    if not isinstance(value, np.ndarray) and callable(getattr(value, "detach", None)):
        value = value.detach()  # torch refuses to convert a tensor that requires grad
    return np.asarray(value, dtype=np.float64)


def fingerprint(outputs: Sequence[Any]) -> list[dict[str, Any]]:
    """A small summary of each output (shape, sum, norm, a seeded random
    projection) that separate processes can compare without shipping arrays."""
    summary = []
    for value in outputs:
        arr = as_numpy(value)
        weights = np.random.default_rng(1234).standard_normal(arr.shape)
        summary.append({
            "shape": list(arr.shape),
            "sum": float(arr.sum()),
            "norm": float(np.linalg.norm(arr.ravel())),
            "projection": float((arr * weights).sum()),
        })
    return summary


def fingerprint_mismatch(got: list[dict], want: list[dict], rtol: float) -> str | None:
    """Why two fingerprints differ, or None when they agree within `rtol`
    (relative to each output's norm, so outputs near zero compare sensibly)."""
    if len(got) != len(want):
        return f"{len(got)} outputs instead of {len(want)}"
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        if g["shape"] != w["shape"]:
            return f"output {i}: shape {tuple(g['shape'])} instead of {tuple(w['shape'])}"
        # |sum| and |projection| are at most norm * sqrt(size) (Cauchy-Schwarz).
        scale = w["norm"] * np.sqrt(max(1, int(np.prod(w["shape"])))) + 1e-300
        for name in ("sum", "norm", "projection"):
            if abs(g[name] - w[name]) > rtol * scale:
                return f"output {i}: {name} {g[name]:.10g} instead of {w[name]:.10g}"
    return None
