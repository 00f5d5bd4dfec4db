"""W5 training step: a 784-256-10 MLP, tanh hidden layer, softmax cross-entropy.

Batch 128, float32, one plain SGD update per call.  Each library's version is
written the way its users would write it (requires_grad parameters,
backward(), an in-place update under no_grad, then grad = None).  Every call
returns the loss and the gradients it used, for the correctness check.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import peers
from ..harness import Impl, Target, Workload

LEARNING_RATE = 0.1
CLASSES = 10


def make_data(batch: int, n_in: int, n_hidden: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(5)
    f32 = np.float32
    labels = rng.integers(0, CLASSES, batch)
    return {
        "X": rng.standard_normal((batch, n_in)).astype(f32),
        "labels": labels,
        "onehot": np.eye(CLASSES, dtype=f32)[labels],
        "W1": (rng.standard_normal((n_in, n_hidden)) / np.sqrt(n_in)).astype(f32),
        "b1": np.zeros(n_hidden, f32),
        "W2": (rng.standard_normal((n_hidden, CLASSES)) / np.sqrt(n_hidden)).astype(f32),
        "b2": np.zeros(CLASSES, f32),
    }


PARAM_NAMES = ("W1", "b1", "W2", "b2")


def _params(data: dict) -> list[np.ndarray]:
    """Fresh copies: steps update the parameters in place."""
    return [data[name].copy() for name in PARAM_NAMES]


def setup_numpy(data: dict, **sizes: int) -> Any:
    X, labels = data["X"], data["labels"]
    W1, b1, W2, b2 = params = _params(data)
    rows = np.arange(len(X))

    def step() -> tuple:
        h = np.tanh(X @ W1 + b1)
        z = h @ W2 + b2
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        total = e.sum(axis=1, keepdims=True)
        loss = -(z[rows, labels] - np.log(total[:, 0])).mean()
        dz = e / total
        dz[rows, labels] -= 1.0
        dz /= len(X)
        dh = dz @ W2.T
        da = dh * (1.0 - h * h)
        grads = (X.T @ da, da.sum(axis=0), h.T @ dz, dz.sum(axis=0))
        for p, g in zip(params, grads, strict=True):
            p -= LEARNING_RATE * g
        return (loss, *grads)

    return step


def setup_ndgrad(data: dict, **sizes: int) -> Any:
    import ndgrad as nd

    X, labels = nd.tensor(data["X"]), data["labels"]
    params = [nd.tensor(p, requires_grad=True) for p in _params(data)]
    W1, b1, W2, b2 = params

    def step() -> tuple:
        # ndgrad's fused loss, as PyTorch's version uses F.cross_entropy.
        logits = nd.tanh(X @ W1 + b1) @ W2 + b2
        loss = nd.cross_entropy(logits, labels)
        loss.backward()
        grads = [p.grad for p in params]
        with nd.no_grad():
            for p in params:
                p -= LEARNING_RATE * p.grad
                p.grad = None
        return (loss, *grads)

    return step


def setup_torch(data: dict, **sizes: int) -> Any:
    torch = peers.torch()
    X, labels = torch.tensor(data["X"]), torch.tensor(data["labels"])
    params = [torch.tensor(p, requires_grad=True) for p in _params(data)]
    W1, b1, W2, b2 = params

    def step() -> tuple:
        logits = torch.tanh(X @ W1 + b1) @ W2 + b2
        loss = torch.nn.functional.cross_entropy(logits, labels)
        loss.backward()
        grads = [p.grad for p in params]
        with torch.no_grad():
            for p in params:
                p -= LEARNING_RATE * p.grad
                p.grad = None
        return (loss, *grads)

    return step


def setup_mygrad(data: dict, **sizes: int) -> Any:
    import mygrad as mg
    from mygrad.nnet.losses import softmax_crossentropy

    X, labels = data["X"], data["labels"]
    params = [mg.tensor(p) for p in _params(data)]
    W1, b1, W2, b2 = params

    def step() -> tuple:
        logits = mg.matmul(mg.tanh(mg.matmul(X, W1) + b1), W2) + b2
        loss = softmax_crossentropy(logits, labels)
        loss.backward()
        grads = [np.array(p.grad) for p in params]
        for p in params:
            p.data -= LEARNING_RATE * p.grad  # MyGrad's documented way to update a tensor in place
        return (loss.item(), *grads)

    return step


def _functional_loss(np_like: Any, X: Any, onehot: Any) -> Any:
    """The loss as a pure function of the parameters (JAX, HIPS autograd)."""

    def loss(params: tuple) -> Any:
        W1, b1, W2, b2 = params
        z = np_like.dot(np_like.tanh(np_like.dot(X, W1) + b1), W2) + b2
        s = z - np_like.max(z, axis=1, keepdims=True)
        log_probs = s - np_like.log(np_like.sum(np_like.exp(s), axis=1, keepdims=True))
        return -np_like.sum(log_probs * onehot) / X.shape[0]

    return loss


def setup_autograd(data: dict, **sizes: int) -> Any:
    import autograd
    import autograd.numpy as anp

    value_and_grad = autograd.value_and_grad(_functional_loss(anp, data["X"], data["onehot"]))
    state = {"params": tuple(_params(data))}

    def step() -> tuple:
        loss, grads = value_and_grad(state["params"])
        state["params"] = tuple(p - LEARNING_RATE * g for p, g in zip(state["params"], grads, strict=True))
        return (loss, *grads)

    return step


def _jax(jit: bool) -> Any:
    def setup(data: dict, **sizes: int) -> Any:
        jax, jnp = peers.jax(), peers.jnp()
        loss_fn = _functional_loss(jnp, jnp.asarray(data["X"]), jnp.asarray(data["onehot"]))

        def train_step(params: tuple) -> tuple:
            loss, grads = jax.value_and_grad(loss_fn)(params)
            return loss, grads, tuple(p - LEARNING_RATE * g for p, g in zip(params, grads, strict=True))

        train_step = jax.jit(train_step) if jit else train_step
        state = {"params": tuple(jnp.asarray(p) for p in _params(data))}

        def step() -> tuple:
            loss, grads, state["params"] = jax.block_until_ready(train_step(state["params"]))
            return (loss, *grads)

        return step

    return setup


WORKLOAD = Workload(
    key="W5",
    title="Training step: 784-256-10 MLP, tanh, softmax cross-entropy, SGD",
    description="Batch 128, float32; forward, backward and an in-place SGD update of W1, b1, W2, b2 per call.",
    cases={"batch 128, 784-256-10": {"batch": 128, "n_in": 784, "n_hidden": 256}},
    smoke_case={"batch": 4, "n_in": 6, "n_hidden": 5},
    make_data=make_data,
    impls=[
        Impl("numpy", "NumPy by hand (limit)", "numpy", setup_numpy),
        Impl("ndgrad", "ndgrad", "ndgrad", setup_ndgrad, requires=("matmul",)),
        Impl("torch", "PyTorch eager", "torch", setup_torch),
        Impl("autograd", "HIPS autograd", "autograd", setup_autograd),
        Impl("mygrad", "MyGrad", "mygrad", setup_mygrad),
        Impl("jax", "JAX value_and_grad, eager", "jax", _jax(jit=False)),
        Impl("jax.jit", "JAX jit(train step)", "jax", _jax(jit=True)),
    ],
    compare_to="torch",
    targets=[Target("ndgrad", "numpy", 1.10)],
    rtol=2e-4,
)
