"""Measurements of one run and the statistics the report shows.

Times are seconds per call.  A ratio between two implementations is taken
round by round (both measured within the same round, minutes apart at most)
and the median of those per-round ratios is reported, which cancels slow
drifts in machine load better than a ratio of overall medians.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from .harness import Target, Workload

OK, ERROR, MISSING, WRONG = "ok", "error", "not installed", "wrong result"
NOT_PEERS = ("ndgrad", "numpy")  # "fastest-peer" is the fastest implementation of any other library


@dataclass
class ImplResult:
    key: str
    label: str
    peer: str
    note: str = ""
    status: str = OK
    message: str = ""
    first_call_s: float | None = None
    first_call_cpu_s: float | None = None
    rss_growth_kib: int | None = None
    rounds: list[list[float]] = field(default_factory=list)  # seconds per call, per round (the chosen clock)
    other_clock_rounds: list[list[float]] = field(default_factory=list)  # the same samples on the other clock
    versions: dict[str, str] = field(default_factory=dict)
    blas: list[dict[str, Any]] = field(default_factory=list)

    @property
    def measured(self) -> bool:
        return self.status == OK and any(self.rounds)

    def samples(self) -> list[float]:
        return [t for r in self.rounds for t in r]

    def median(self) -> float:
        return statistics.median(self.samples())

    def spread(self) -> float:
        """Interquartile range relative to the median: how noisy the samples were."""
        samples = self.samples()
        if len(samples) < 4:
            return (max(samples) - min(samples)) / self.median() if len(samples) > 1 else 0.0
        q1, _, q3 = statistics.quantiles(samples, n=4)
        return (q3 - q1) / self.median()


@dataclass
class CaseResult:
    workload: Workload
    case: str
    impls: list[ImplResult]

    def get(self, key: str) -> ImplResult | None:
        if key == "fastest-peer":
            return self.fastest_peer()
        return next((r for r in self.impls if r.key == key), None)

    def fastest_peer(self) -> ImplResult | None:
        peers = [r for r in self.impls if r.measured and r.peer not in NOT_PEERS]
        return min(peers, key=ImplResult.median, default=None)


def round_ratios(a: ImplResult, b: ImplResult) -> list[float]:
    """a's round median / b's round median, for each round both measured in."""
    return [
        statistics.median(ra) / statistics.median(rb)
        for ra, rb in zip(a.rounds, b.rounds, strict=False)
        if ra and rb
    ]


def round_ratio(a: ImplResult, b: ImplResult) -> float | None:
    """Median over shared rounds of (a's round median / b's round median)."""
    ratios = round_ratios(a, b)
    return statistics.median(ratios) if ratios else None


@dataclass
class TargetCheck:
    workload: str
    case: str
    target: Target
    impl_label: str
    baseline_label: str
    ratio: float | None
    reason: str = ""
    per_round: tuple[float, float] | None = None  # the lowest and highest round's ratio

    @property
    def met(self) -> bool | None:
        return None if self.ratio is None else self.ratio <= self.target.max_ratio


def check_target(result: CaseResult, target: Target) -> TargetCheck:
    impl, base = result.get(target.impl), result.get(target.baseline)
    impl_label = impl.label if impl is not None else target.impl
    base_label = base.label if base is not None else target.baseline
    if target.baseline == "fastest-peer" and base is not None:
        base_label = f"the fastest peer ({base.label})"
    check = TargetCheck(result.workload.key, result.case, target, impl_label, base_label, None)
    for r, name in ((impl, target.impl), (base, target.baseline)):
        if r is None or not r.measured:
            check.reason = f"{name}: {r.status if r is not None else 'not run'}"
            return check
    ratios = round_ratios(impl, base)  # type: ignore[arg-type]
    check.ratio = statistics.median(ratios) if ratios else None
    check.per_round = (min(ratios), max(ratios)) if ratios else None
    return check


def target_checks(results: list[CaseResult]) -> list[TargetCheck]:
    checks = []
    for result in results:
        for target in result.workload.targets:
            if target.case is None or target.case == result.case:
                checks.append(check_target(result, target))
    return checks
