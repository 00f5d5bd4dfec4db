"""W2 large tensors: tanh(W @ x).sum(), forward + backward.

W is 1000x1000 and x 1000x256, float64; gradients of both.  Three BLAS
matrix products dominate, so this measures how close a library stays to the
NumPy/BLAS kernels (the physical limit) once the arrays are large.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import peers
from ..harness import Impl, Target, Workload


def make_data(n: int, batch: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(2)
    return {
        "W": rng.standard_normal((n, n)) / np.sqrt(n),
        "x": rng.standard_normal((n, batch)),
    }


def setup_numpy(data: dict, n: int, batch: int) -> Any:
    W, x = data["W"], data["x"]

    def step() -> tuple:
        h = np.tanh(W @ x)
        h.sum()
        dz = 1.0 - h * h  # the cotangent of sum is 1 everywhere
        return dz @ x.T, W.T @ dz

    return step


def _leaf_style(lib: Any, W: Any, x: Any) -> Any:
    def step() -> tuple:
        W.grad = None
        x.grad = None
        lib.tanh(W @ x).sum().backward()
        return W.grad, x.grad

    return step


def setup_ndgrad(data: dict, n: int, batch: int) -> Any:
    import ndgrad as nd

    return _leaf_style(nd, nd.tensor(data["W"], requires_grad=True), nd.tensor(data["x"], requires_grad=True))


def setup_torch(data: dict, n: int, batch: int) -> Any:
    torch = peers.torch()
    W = torch.tensor(data["W"], requires_grad=True)
    x = torch.tensor(data["x"], requires_grad=True)
    return _leaf_style(torch, W, x)


def setup_mygrad(data: dict, n: int, batch: int) -> Any:
    import mygrad as mg

    W, x = mg.tensor(data["W"]), mg.tensor(data["x"])

    def step() -> tuple:
        mg.tanh(mg.matmul(W, x)).sum().backward()
        return W.grad, x.grad

    return step


def _jax_grad(jit: bool) -> Any:
    def setup(data: dict, n: int, batch: int) -> Any:
        jax, jnp = peers.jax(), peers.jnp()
        grad = jax.grad(lambda W, x: jnp.tanh(W @ x).sum(), argnums=(0, 1))
        grad = jax.jit(grad) if jit else grad
        W, x = jnp.asarray(data["W"]), jnp.asarray(data["x"])
        return lambda: jax.block_until_ready(grad(W, x))

    return setup


def setup_autograd(data: dict, n: int, batch: int) -> Any:
    import autograd
    import autograd.numpy as anp

    grad = autograd.grad(lambda W, x: anp.sum(anp.tanh(anp.dot(W, x))), argnum=(0, 1))
    W, x = data["W"], data["x"]
    return lambda: grad(W, x)


WORKLOAD = Workload(
    key="W2",
    title="Large tensors: tanh(W @ x).sum(), forward + backward",
    description="W 1000x1000, x 1000x256, float64; gradients of W and x (three 1000x1000x256 matrix products).",
    cases={"W 1000x1000, x 1000x256": {"n": 1000, "batch": 256}},
    smoke_case={"n": 7, "batch": 3},
    make_data=make_data,
    impls=[
        Impl("numpy", "NumPy by hand (limit)", "numpy", setup_numpy),
        Impl("ndgrad", "ndgrad", "ndgrad", setup_ndgrad, requires=("matmul",)),
        Impl("torch", "PyTorch eager", "torch", setup_torch),
        Impl("autograd", "HIPS autograd", "autograd", setup_autograd),
        Impl("mygrad", "MyGrad", "mygrad", setup_mygrad),
        Impl("jax", "JAX grad, eager", "jax", _jax_grad(jit=False)),
        Impl("jax.jit", "JAX jit(grad)", "jax", _jax_grad(jit=True)),
    ],
    compare_to="torch",
    targets=[Target("ndgrad", "numpy", 1.10)],
    rtol=1e-9,
)
