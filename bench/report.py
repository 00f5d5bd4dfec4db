"""The markdown report: machine and versions, targets, one table per case."""

from __future__ import annotations

from typing import Any

from .peers import SINGLE_THREAD_ENV
from .results import CaseResult, ImplResult, TargetCheck, round_ratio, target_checks


def seconds(value: float | None) -> str:
    """A duration with a unit that suits its size."""
    if value is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value * 1e9:.3g} ns"


def table_unit(results: list[ImplResult]) -> tuple[str, float]:
    """The unit that shows the fastest time in a table as a number >= 1."""
    fastest = min((r.median() for r in results), default=1.0)
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if fastest >= scale:
            return unit, scale
    return "ns", 1e-9


def number(value: float, digits: int = 4) -> str:
    """Plain notation: 11,400 rather than 1.14e+04."""
    return f"{value:,.0f}" if value >= 10 ** digits else f"{value:.{digits}g}"


def ratio(value: float | None) -> str:
    return "-" if value is None else number(value, 3) + "x"


def megabytes(kib: int | None) -> str:
    return "-" if kib is None else f"{kib / 1024:.1f} MiB"


def header(meta: dict[str, Any], command: str, quick: bool, settings: str) -> list[str]:
    lines = ["# ndgrad benchmark results", ""]
    if quick:
        lines += [
            "> **Preliminary** (`--quick`: few rounds, short samples). Taken while other jobs shared the",
            "> machine, so expect noise of tens of percent; re-run `python bench/run.py` on a quiet machine",
            "> for numbers to quote.",
            "",
        ]
    overrides = meta["blas_overrides"]
    override_note = (
        "unset in the benchmark processes (the runner's environment had "
        + ", ".join(f"{k}={v}" for k, v in overrides.items()) + ")"
        if overrides else "not set"
    )
    lines += [
        f"- Date: {meta['date']}",
        f"- Command: `{command}` ({settings})",
        f"- Machine: {meta['cpu']}, {meta['cores']} cores; {meta['os']}; load average before: {meta['load_before']}",
        f"- Versions: {versions_line(meta['versions'])}",
        f"- ndgrad revision: {meta['git']}",
        f"- BLAS as loaded in the benchmark processes: {blas_line(meta['blas'])}",
        f"- OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE: {override_note}",
        "- Threads: one per process ("
        + ", ".join(f"{k}={v}" for k, v in SINGLE_THREAD_ENV.items() if k.endswith("THREADS"))
        + f", `torch.set_num_threads(1)`, XLA_FLAGS=`{SINGLE_THREAD_ENV['XLA_FLAGS']}`)",
        "",
        "Method: every implementation of every case runs in its own process, pinned to one CPU. After the",
        "imports, each makes one first call (wall-clock, timed apart: tracing and jit compilation land there),",
        "then the runner takes rounds in which every process of the case measures in turn (order rotated each",
        "round). Times are medians of all samples; ratios are medians of per-round ratios, so both sides were",
        "measured minutes apart at most. `spread` is the interquartile range of the samples over their median.",
        "Results are checked against the NumPy reference (shape, sum, norm, a random projection) before they",
        "are shown.",
        "",
    ]
    return lines


def versions_line(versions: dict[str, str]) -> str:
    order = ["python", "numpy", "ndgrad", "torch", "jax", "jaxlib", "autograd", "mygrad"]
    return ", ".join(f"{name} {versions[name]}" for name in order if name in versions)


def blas_line(blas: dict[str, list[dict[str, Any]]]) -> str:
    parts = []
    for peer, libs in blas.items():
        described = [
            f"{lib.get('internal_api')} {lib.get('version') or ''} (kernel {lib.get('architecture') or '?'}, "
            f"{lib.get('num_threads')} thread{'s' if lib.get('num_threads') != 1 else ''})"
            for lib in libs if lib.get("user_api") == "blas"
        ]
        parts.append(f"{peer}: {'; '.join(described) or 'none reported'}")
    return " | ".join(parts) or "unknown"


def targets_table(checks: list[TargetCheck]) -> list[str]:
    lines = [
        "## Targets",
        "",
        "`Per round` is the range of the ratio over the rounds: where it straddles the target, the verdict is",
        "within this machine's noise.",
        "",
        "| Workload | Case | Target | Measured | Per round | Met |",
        "|---|---|---|---|---|---|",
    ]
    for c in checks:
        goal = f"{c.impl_label} ≤ {c.target.max_ratio:g}x {c.baseline_label}"
        met = {True: "yes", False: "**no**", None: f"n/a ({c.reason})"}[c.met]
        spread = f"{ratio(c.per_round[0])} to {ratio(c.per_round[1])}" if c.per_round else "-"
        lines.append(f"| {c.workload} | {c.case} | {goal} | {ratio(c.ratio)} | {spread} | {met} |")
    return lines + [""]


def case_table(result: CaseResult) -> list[str]:
    w = result.workload
    reference, other = result.get(w.reference), result.get(w.compare_to) if w.compare_to else None
    unit, scale = table_unit([r for r in result.impls if r.measured])
    columns = [f"{unit} per call"]
    if w.per_op:
        columns.append(f"µs per {w.per_op[0]}")
    columns.append(f"× {reference.label if reference else w.reference}")
    if other is not None:
        columns.append(f"× {other.label}")
    columns += ["spread", "first call"]
    if w.measure_memory:
        columns.append("peak RSS growth")
    lines = [f"### {w.key}, {result.case}", "", "| Implementation | " + " | ".join(columns) + " |",
             "|---" * (len(columns) + 1) + "|"]
    notes = []
    for r in result.impls:
        if not r.measured:
            lines.append(f"| {r.label} | {r.status}" + " | -" * (len(columns) - 1) + " |")
            if r.message:
                notes.append(f"- {r.label}: {r.status}: `{last_line(r.message)}`")
            continue
        cells = [number(r.median() / scale)]
        if w.per_op:
            cells.append(number(r.median() * 1e6 / w.per_op[1], 3))
        cells.append(ratio(round_ratio(r, reference)) if reference and reference.measured else "-")
        if other is not None:
            cells.append(ratio(round_ratio(r, other)) if other.measured else "-")
        cells += [f"{r.spread():.0%}", seconds(r.first_call_s)]
        if w.measure_memory:
            cells.append(megabytes(r.rss_growth_kib))
        label = f"{r.label} ({r.note})" if r.note else r.label
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines + [""] + notes + ([""] if notes else [])


def last_line(message: str) -> str:
    lines = [line for line in message.strip().splitlines() if line.strip()]
    return (lines[-1] if lines else message).replace("|", "/")[:200]


def render(results: list[CaseResult], meta: dict[str, Any], command: str, quick: bool, settings: str) -> str:
    lines = header(meta, command, quick, settings)
    lines += targets_table(target_checks(results))
    current = None
    for result in results:
        w = result.workload
        if w.key != current:
            current = w.key
            lines += [f"## {w.key}: {w.title}", "", w.description, ""]
        lines += case_table(result)
    return "\n".join(lines).rstrip() + "\n"


def summary_rows(results: list[CaseResult]) -> list[str]:
    """One line per measured implementation, for the console."""
    rows = []
    for result in results:
        reference = result.get(result.workload.reference)
        for r in result.impls:
            if r.measured:
                rel = round_ratio(r, reference) if reference and reference.measured else None
                rows.append(f"{result.workload.key} {result.case:>24} {r.label:>36} {seconds(r.median()):>10} "
                            f"{ratio(rel):>8}")
            else:
                rows.append(f"{result.workload.key} {result.case:>24} {r.label:>36} {r.status}")
    return rows

