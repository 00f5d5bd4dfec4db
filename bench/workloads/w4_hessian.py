"""W4 Hessian of g(x) = sum(tanh(A @ x)**2), A a fixed n x n matrix.

With h = tanh(A @ x) the analytic Hessian is A.T @ diag(s) @ A where
s = (2 - 6 h**2)(1 - h**2): one matrix product, the limit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import peers
from ..harness import Impl, Target, Workload


def make_data(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(4)
    return {"A": rng.standard_normal((n, n)) / np.sqrt(n), "x": rng.standard_normal(n)}


def setup_numpy(data: dict, n: int) -> Any:
    A, x = data["A"], data["x"]

    def step() -> tuple:
        h = np.tanh(A @ x)
        h2 = h * h
        curvature = (2.0 - 6.0 * h2) * (1.0 - h2)  # d2/dz2 of tanh(z)**2
        return ((A.T * curvature) @ A,)

    return step


def _ndgrad(functional: bool) -> Any:
    def setup(data: dict, n: int) -> Any:
        import ndgrad as nd

        A, x = nd.tensor(data["A"]), nd.tensor(data["x"])
        g = lambda x: (nd.tanh(A @ x) ** 2).sum()
        if functional:
            hess = nd.func.hessian(g)
            return lambda: (hess(x),)
        return lambda: (nd.hessian(g, x),)

    return setup


def _torch(kind: str) -> Any:
    def setup(data: dict, n: int) -> Any:
        torch = peers.torch()
        A, x = torch.tensor(data["A"]), torch.tensor(data["x"])
        g = lambda x: (torch.tanh(A @ x) ** 2).sum()
        if kind == "func":
            hess = torch.func.hessian(g)
            return lambda: (hess(x),)
        vectorize = kind == "vectorize"
        return lambda: (torch.autograd.functional.hessian(g, x, vectorize=vectorize),)

    return setup


def _jax(jit: bool) -> Any:
    def setup(data: dict, n: int) -> Any:
        jax, jnp = peers.jax(), peers.jnp()
        A, x = jnp.asarray(data["A"]), jnp.asarray(data["x"])
        hess = jax.hessian(lambda x: (jnp.tanh(A @ x) ** 2).sum())
        hess = jax.jit(hess) if jit else hess
        return lambda: (jax.block_until_ready(hess(x)),)

    return setup


def setup_autograd(data: dict, n: int) -> Any:
    import autograd
    import autograd.numpy as anp

    A, x = data["A"], data["x"]
    hess = autograd.hessian(lambda x: anp.sum(anp.tanh(anp.dot(A, x)) ** 2))
    return lambda: (hess(x),)


WORKLOAD = Workload(
    key="W4",
    title="Hessian of g(x) = sum(tanh(A @ x)**2)",
    description="A fixed n x n, x of length n, float64; the full n x n Hessian.",
    cases={"n=100": {"n": 100}},
    smoke_case={"n": 5},
    make_data=make_data,
    impls=[
        Impl("numpy", "NumPy analytic (limit)", "numpy", setup_numpy),
        Impl("ndgrad", "ndgrad.hessian", "ndgrad", _ndgrad(functional=False), requires=("matmul", "hessian")),
        Impl("ndgrad.func", "ndgrad.func.hessian", "ndgrad", _ndgrad(functional=True),
             requires=("matmul", "func.hessian")),
        Impl("torch.func", "torch.func.hessian", "torch", _torch("func")),
        Impl("torch", "torch.autograd.functional.hessian", "torch", _torch("default")),
        Impl("torch.vectorize", "torch...hessian(vectorize=True)", "torch", _torch("vectorize")),
        Impl("jax", "jax.hessian, eager", "jax", _jax(jit=False)),
        Impl("jax.jit", "jax.jit(jax.hessian)", "jax", _jax(jit=True)),
        Impl("autograd", "autograd.hessian", "autograd", setup_autograd),
    ],
    compare_to="torch",
    targets=[
        Target("ndgrad", "torch", 0.1),
        Target("ndgrad", "fastest-peer", 1.0),
    ],
    rtol=1e-9,
)
