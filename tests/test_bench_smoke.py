"""The benchmark workloads compute the right numbers (no timing here).

Every ndgrad implementation of every workload in bench/ runs once on the
workload's small smoke case and must equal the workload's NumPy reference.
Needs only NumPy and ndgrad.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from bench.harness import Impl, Workload, as_numpy
from bench.workloads import all_keys, load

import ndgrad


def ndgrad_cases() -> list[Any]:
    cases = []
    for key in all_keys():
        workload = load(key)
        for impl in workload.impls:
            if impl.peer == "ndgrad":
                cases.append(pytest.param(workload, impl, id=f"{key}-{impl.key}"))
    return cases


def missing_api(impl: Impl) -> list[str]:
    """The names the implementation needs that ndgrad does not offer."""
    missing = []
    for dotted in impl.requires:
        obj: Any = ndgrad
        try:
            for part in dotted.split("."):
                obj = getattr(obj, part)
        except (AttributeError, ImportError):
            missing.append(dotted)
    return missing


def run_once(workload: Workload, impl: Impl) -> list[np.ndarray]:
    data = workload.make_data(**workload.smoke_case)
    return [as_numpy(out) for out in impl.setup(data, **workload.smoke_case)()]


@pytest.mark.parametrize(("workload", "impl"), ndgrad_cases())
def test_ndgrad_matches_numpy_reference(workload: Workload, impl: Impl) -> None:
    missing = missing_api(impl)
    assert not missing, f"ndgrad lacks {', '.join(missing)}, which the {workload.key} benchmark needs"
    expected = run_once(workload, workload.impl(workload.reference))
    got = run_once(workload, impl)
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        assert g.shape == e.shape, f"output {i}: shape {g.shape}, expected {e.shape}"
        scale = float(np.max(np.abs(e))) or 1.0
        np.testing.assert_allclose(g, e, rtol=workload.rtol * 10, atol=workload.rtol * 10 * scale,
                                   err_msg=f"{workload.key} {impl.label}, output {i}")


def test_every_workload_has_a_reference_and_an_ndgrad_version() -> None:
    for key in all_keys():
        workload = load(key)
        peers = {impl.peer for impl in workload.impls}
        assert workload.impl(workload.reference).peer == "numpy"
        assert "ndgrad" in peers, key
        assert workload.smoke_case.keys() == next(iter(workload.cases.values())).keys(), key


def test_a_target_check_reports_the_median_and_range_of_per_round_ratios() -> None:
    from bench.harness import Target
    from bench.report import targets_table
    from bench.results import CaseResult, ImplResult, check_target

    # Three rounds: ndgrad/numpy is 1.2/1.0, 2.0/2.0 and 3.3/3.0 (medians of each round's samples).
    ours = ImplResult("ndgrad", "ndgrad", "ndgrad", rounds=[[1.1, 1.2, 1.3], [2.0], [3.3]])
    base = ImplResult("numpy", "NumPy", "numpy", rounds=[[1.0], [1.9, 2.0, 2.1], [3.0]])
    target = Target("ndgrad", "numpy", 1.1)
    check = check_target(CaseResult(load("W2"), "case", [ours, base]), target)
    assert check.ratio == pytest.approx(1.1)
    assert check.per_round == pytest.approx((1.0, 1.2))
    assert check.met
    row = targets_table([check])[-2]
    assert "| 1.1x | 1x to 1.2x | yes |" in row
