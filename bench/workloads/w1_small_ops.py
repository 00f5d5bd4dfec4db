"""W1 small tensors: per-operation overhead of forward + backward.

A chain of 50 mixed elementwise operations on float64 tensors of shape () and
(10,), then a sum; gradients of both inputs.  At these sizes the arithmetic
is nothing and the time is the library's Python/dispatch overhead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import peers
from ..harness import Impl, Target, Workload

BLOCKS = 5  # each block is 10 operations: 50 in the chain
OPS_PER_CALL = 10 * BLOCKS + 1  # the chain plus the final sum


def chain(ns: Any, x: Any, w: Any) -> Any:
    """The same 50-op chain for every peer: `ns` supplies sin/tanh/exp/cos/sum."""
    y = x
    for _ in range(BLOCKS):
        y = ns.sin(y)
        y = y * w
        y = y + x
        y = ns.tanh(y)
        y = ns.exp(y)
        y = y / w
        y = y - x
        y = ns.cos(y)
        y = y * y
        y = y * 0.5
    return ns.sum(y)


def make_data(shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    return {
        "x": np.asarray(0.5 + 0.1 * rng.standard_normal(shape), dtype=np.float64),
        "w": np.asarray(1.3 + 0.1 * rng.standard_normal(shape), dtype=np.float64),
    }


# ------------------------------------------------------------------ NumPy


def _numpy_block_forward(y: Any, x: Any, w: Any) -> tuple[Any, tuple]:
    a1 = np.sin(y)
    a2 = a1 * w
    a4 = np.tanh(a2 + x)
    a5 = np.exp(a4)
    a6 = a5 / w
    a7 = a6 - x
    a8 = np.cos(a7)
    return a8 * a8 * 0.5, (y, a1, a4, a5, a6, a7, a8)


def _numpy_block_backward(g: Any, saved: tuple, w: Any) -> tuple[Any, Any, Any]:
    """Cotangent of the block's input, and its contributions to x and w."""
    a0, a1, a4, a5, a6, a7, a8 = saved
    g7 = -np.sin(a7) * (a8 * g)  # through y*y*0.5 and cos
    g5 = g7 / w
    g3 = g5 * a5 * (1 - a4 * a4)  # through exp and tanh
    gx = g3 - g7
    gw = g3 * a1 - g7 * a6 / w
    return g3 * w * np.cos(a0), gx, gw


def setup_numpy(data: dict, shape: tuple) -> Any:
    x, w = data["x"], data["w"]

    def step() -> tuple:
        y, tape = x, []
        for _ in range(BLOCKS):
            y, saved = _numpy_block_forward(y, x, w)
            tape.append(saved)
        np.sum(y)
        g, gx, gw = np.ones_like(y), 0.0, 0.0
        for saved in reversed(tape):
            g, dx, dw = _numpy_block_backward(g, saved, w)
            gx, gw = gx + dx, gw + dw
        return gx + g, gw

    return step


# ------------------------------------------------------------------ autodiff libraries


def _leaf_style(lib: Any, x: Any, w: Any) -> Any:
    """PyTorch-style use: leaves that require grad, backward(), read .grad."""

    def step() -> tuple:
        x.grad = None
        w.grad = None
        chain(lib, x, w).backward()
        return x.grad, w.grad

    return step


def setup_ndgrad(data: dict, shape: tuple) -> Any:
    import ndgrad as nd

    x = nd.tensor(data["x"], requires_grad=True)
    w = nd.tensor(data["w"], requires_grad=True)
    return _leaf_style(nd, x, w)


def setup_torch(data: dict, shape: tuple) -> Any:
    torch = peers.torch()
    x = torch.tensor(data["x"], requires_grad=True)
    w = torch.tensor(data["w"], requires_grad=True)
    return _leaf_style(torch, x, w)


def setup_mygrad(data: dict, shape: tuple) -> Any:
    import mygrad as mg

    x, w = mg.tensor(data["x"]), mg.tensor(data["w"])

    def step() -> tuple:
        chain(mg, x, w).backward()
        return np.array(x.grad), np.array(w.grad)

    return step


def _jax_grad(jit: bool) -> Any:
    def setup(data: dict, shape: tuple) -> Any:
        jax, jnp = peers.jax(), peers.jnp()
        grad = jax.grad(lambda x, w: chain(jnp, x, w), argnums=(0, 1))
        grad = jax.jit(grad) if jit else grad
        x, w = jnp.asarray(data["x"]), jnp.asarray(data["w"])
        return lambda: jax.block_until_ready(grad(x, w))

    return setup


def setup_autograd(data: dict, shape: tuple) -> Any:
    import autograd
    import autograd.numpy as anp

    grad = autograd.grad(lambda x, w: chain(anp, x, w), argnum=(0, 1))
    x, w = data["x"], data["w"]
    return lambda: grad(x, w)


WORKLOAD = Workload(
    key="W1",
    title="Small tensors: 50 mixed elementwise ops, forward + backward",
    description=(
        "y = x; 5 times: sin, *w, +x, tanh, exp, /w, -x, cos, y*y, *0.5; then sum; gradients of x and w. "
        "float64. Per op = time per call / 51 (50 chain ops + the sum)."
    ),
    cases={"shape ()": {"shape": ()}, "shape (10,)": {"shape": (10,)}},
    smoke_case={"shape": (3,)},
    make_data=make_data,
    impls=[
        Impl("numpy", "NumPy by hand (floor)", "numpy", setup_numpy),
        Impl("ndgrad", "ndgrad", "ndgrad", setup_ndgrad),
        Impl("torch", "PyTorch eager", "torch", setup_torch),
        Impl("autograd", "HIPS autograd", "autograd", setup_autograd),
        Impl("mygrad", "MyGrad", "mygrad", setup_mygrad),
        Impl("jax", "JAX grad, eager", "jax", _jax_grad(jit=False)),
        Impl("jax.jit", "JAX jit(grad)", "jax", _jax_grad(jit=True), note="whole chain compiled"),
    ],
    compare_to="torch",
    targets=[Target("ndgrad", "torch", 0.5)],
    per_op=("op", OPS_PER_CALL),
)
