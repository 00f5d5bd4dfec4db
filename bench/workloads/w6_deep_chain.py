"""W6 deep chain: 100,000 iterations of `y = y * 1.0001 + 0.0` on a scalar.

That is 200,000 recorded operations (a multiply and an add per iteration),
then one backward pass through all of them.  It measures the engine's cost
per node, that backward is iterative (no RecursionError), and the memory a
deep graph holds (peak RSS growth during one call, measured in a fresh
process).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import peers
from ..harness import Impl, Target, Workload

FACTOR = 1.0001


def make_data(iterations: int) -> dict[str, np.ndarray]:
    return {"x": np.asarray(1.0)}


def chain(x: Any, iterations: int) -> Any:
    y = x
    for _ in range(iterations):
        y = y * FACTOR + 0.0
    return y


def setup_numpy(data: dict, iterations: int) -> Any:
    """By hand: the forward loop on a float64 scalar, then the backward loop
    (each multiply scales the cotangent by FACTOR; each add passes it on)."""
    x = np.float64(data["x"])

    def step() -> tuple:
        y = chain(x, iterations)
        g = np.float64(1.0)
        for _ in range(iterations):
            g = g * FACTOR
        return y, g

    return step


def _leaf_style(x: Any, iterations: int) -> Any:
    """The step as a PyTorch-style user writes it: reset .grad, run, backward."""

    def step() -> tuple:
        x.grad = None
        y = chain(x, iterations)
        y.backward()
        return y.detach(), x.grad

    return step


def setup_ndgrad(data: dict, iterations: int) -> Any:
    import ndgrad as nd

    return _leaf_style(nd.tensor(data["x"], requires_grad=True), iterations)


def setup_torch(data: dict, iterations: int) -> Any:
    torch = peers.torch()
    return _leaf_style(torch.tensor(data["x"], requires_grad=True), iterations)


def setup_mygrad(data: dict, iterations: int) -> Any:
    import mygrad as mg

    x = mg.tensor(data["x"])

    def step() -> tuple:
        y = chain(x, iterations)
        y.backward()
        return y.item(), np.array(x.grad)

    return step


def setup_autograd(data: dict, iterations: int) -> Any:
    import autograd

    value_and_grad = autograd.value_and_grad(lambda x: chain(x, iterations))
    x = float(data["x"])
    return lambda: value_and_grad(x)


WORKLOAD = Workload(
    key="W6",
    title="Deep chain: 100,000 iterations of y = y * 1.0001 + 0.0, forward + backward",
    description=(
        "A float64 scalar; 100,000 iterations = 200,000 recorded ops (multiply and add), then backward. "
        "Per-iteration time = time per call / 100,000. JAX is left out: its eager grad retraces 200,000 ops "
        "per call and jit would compile a 200,000-op program."
    ),
    cases={"100,000 iterations": {"iterations": 100_000}},
    smoke_case={"iterations": 2_000},
    make_data=make_data,
    impls=[
        Impl("numpy", "NumPy scalars by hand (floor)", "numpy", setup_numpy),
        Impl("ndgrad", "ndgrad", "ndgrad", setup_ndgrad),
        Impl("torch", "PyTorch eager", "torch", setup_torch),
        Impl("autograd", "HIPS autograd", "autograd", setup_autograd),
        Impl("mygrad", "MyGrad", "mygrad", setup_mygrad),
    ],
    compare_to="torch",
    targets=[Target("ndgrad", "torch", 0.5)],
    per_op=("iteration", 100_000),
    rtol=1e-9,
    max_rounds=3,
    measure_memory=True,
)
