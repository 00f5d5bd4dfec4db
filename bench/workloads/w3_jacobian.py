"""W3 Jacobian of f(x) = tanh(A @ x) * x, A a fixed n x n matrix.

The analytic Jacobian, diag((1 - h**2) * x) @ A + diag(h) with h = tanh(A @ x),
costs one matrix-vector product and one row scaling: the limit any
autodiff Jacobian can approach.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import peers
from ..harness import Impl, Target, Workload


def make_data(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    return {"A": rng.standard_normal((n, n)) / np.sqrt(n), "x": rng.standard_normal(n)}


def setup_numpy(data: dict, n: int) -> Any:
    A, x = data["A"], data["x"]
    diagonal = np.arange(n)

    def step() -> tuple:
        h = np.tanh(A @ x)
        jac = ((1.0 - h * h) * x)[:, None] * A
        jac[diagonal, diagonal] += h
        return (jac,)

    return step


def _ndgrad(transform: str) -> Any:
    def setup(data: dict, n: int) -> Any:
        import ndgrad as nd

        A, x = nd.tensor(data["A"]), nd.tensor(data["x"])
        f = lambda x: nd.tanh(A @ x) * x
        if transform == "jacobian":
            return lambda: (nd.jacobian(f, x),)
        jac = getattr(nd.func, transform)(f)
        return lambda: (jac(x),)

    return setup


def _torch_functional(vectorize: bool) -> Any:
    def setup(data: dict, n: int) -> Any:
        torch = peers.torch()
        A, x = torch.tensor(data["A"]), torch.tensor(data["x"])
        f = lambda x: torch.tanh(A @ x) * x
        return lambda: (torch.autograd.functional.jacobian(f, x, vectorize=vectorize),)

    return setup


def _torch_func(transform: str) -> Any:
    def setup(data: dict, n: int) -> Any:
        torch = peers.torch()
        A, x = torch.tensor(data["A"]), torch.tensor(data["x"])
        jac = getattr(torch.func, transform)(lambda x: torch.tanh(A @ x) * x)
        return lambda: (jac(x),)

    return setup


def _jax(transform: str, jit: bool) -> Any:
    def setup(data: dict, n: int) -> Any:
        jax, jnp = peers.jax(), peers.jnp()
        A, x = jnp.asarray(data["A"]), jnp.asarray(data["x"])
        jac = getattr(jax, transform)(lambda x: jnp.tanh(A @ x) * x)
        jac = jax.jit(jac) if jit else jac
        return lambda: (jax.block_until_ready(jac(x)),)

    return setup


def setup_autograd(data: dict, n: int) -> Any:
    import autograd
    import autograd.numpy as anp

    A, x = data["A"], data["x"]
    jac = autograd.jacobian(lambda x: anp.tanh(anp.dot(A, x)) * x)
    return lambda: (jac(x),)


WORKLOAD = Workload(
    key="W3",
    title="Jacobian of f(x) = tanh(A @ x) * x",
    description="A fixed n x n, x of length n, float64; the full n x n Jacobian.",
    cases={"n=100": {"n": 100}, "n=1000": {"n": 1000}},
    smoke_case={"n": 6},
    make_data=make_data,
    impls=[
        Impl("numpy", "NumPy analytic (limit)", "numpy", setup_numpy),
        Impl("ndgrad", "ndgrad.jacobian", "ndgrad", _ndgrad("jacobian"), requires=("matmul", "jacobian")),
        Impl("ndgrad.jacrev", "ndgrad.func.jacrev", "ndgrad", _ndgrad("jacrev"), requires=("matmul", "func.jacrev")),
        Impl("ndgrad.jacfwd", "ndgrad.func.jacfwd", "ndgrad", _ndgrad("jacfwd"), requires=("matmul", "func.jacfwd")),
        Impl("torch", "torch.autograd.functional.jacobian", "torch", _torch_functional(vectorize=False)),
        Impl("torch.vectorize", "torch...jacobian(vectorize=True)", "torch", _torch_functional(vectorize=True)),
        Impl("torch.func.jacrev", "torch.func.jacrev", "torch", _torch_func("jacrev")),
        Impl("torch.func.jacfwd", "torch.func.jacfwd", "torch", _torch_func("jacfwd")),
        Impl("jax.jacrev", "jax.jacrev, eager", "jax", _jax("jacrev", jit=False)),
        Impl("jax.jacfwd", "jax.jacfwd, eager", "jax", _jax("jacfwd", jit=False)),
        Impl("jax.jit.jacrev", "jax.jit(jax.jacrev)", "jax", _jax("jacrev", jit=True)),
        Impl("jax.jit.jacfwd", "jax.jit(jax.jacfwd)", "jax", _jax("jacfwd", jit=True)),
        Impl("autograd", "autograd.jacobian", "autograd", setup_autograd),
    ],
    compare_to="torch",
    targets=[
        Target("ndgrad", "torch", 0.1),
        Target("ndgrad", "fastest-peer", 1.0),
    ],
    rtol=1e-9,
)
