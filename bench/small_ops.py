"""Small tensors, op by op: ndgrad against PyTorch eager, forward + backward.

W1 times one mixed chain; this script times each common operation on its own,
on 3x4 (and 4-vector) float64 inputs, as `f(x).backward()` after clearing
`.grad`, so that an op whose overhead stands out shows up by name.  Both
libraries run in this one process, single-threaded; the table gives the best
of several repeats and the ratio, slowest ratio first.  Gradients are checked
against PyTorch's first (var and std use PyTorch's ddof where they differ).

    python bench/small_ops.py              # about 20 s
    python bench/small_ops.py --only var,std
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import timeit  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import ndgrad as nd  # noqa: E402

RNG = np.random.default_rng(0)
A, C = RNG.random((3, 4)) + 0.5, RNG.random((3, 4)) + 0.5
B, V = RNG.random((4, 5)) + 0.5, RNG.random(4) + 0.5
LABELS = np.array([0, 2, 1])


def both(nd_fn: Callable, torch_fn: Callable, *inputs: np.ndarray) -> tuple:
    return nd_fn, torch_fn, inputs


def same(fn: Callable, *inputs: np.ndarray) -> tuple:
    """An op spelled alike in both libraries (`m` is the module)."""
    return both(lambda *xs: fn(nd, *xs), lambda *xs: fn(torch, *xs), *inputs)


CASES: dict[str, tuple] = {
    "add (broadcast)": same(lambda m, x, v: (x + v).sum(), A, V),
    "mul, div, neg": same(lambda m, x, y: (-(x * y) / y).sum(), A, C),
    "pow": same(lambda m, x: (x**3).sum(), A),
    "exp, log": same(lambda m, x: m.log(m.exp(x)).sum(), A),
    "tanh": same(lambda m, x: m.tanh(x).sum(), A),
    "sigmoid": same(lambda m, x: m.sigmoid(x).sum(), A),
    "relu": same(lambda m, x: m.relu(x).sum(), A),
    "where": same(lambda m, x, y: m.where(x > 1.0, x, y).sum(), A, C),
    "clip": both(lambda x: nd.clip(x, 0.7, 1.2).sum(), lambda x: x.clamp(0.7, 1.2).sum(), A),
    "mse": same(lambda m, x, y: ((x - y) ** 2).mean(), A, C),
    "mean over an axis": same(lambda m, x: x.mean(1).sum(), A),
    "var": both(lambda x: nd.var(x, ddof=1), lambda x: x.var(), A),
    "std": both(lambda x: nd.std(x, ddof=1), lambda x: x.std(), A),
    "norm": both(lambda x: nd.linalg.norm(x), lambda x: torch.linalg.norm(x), A),
    "max": same(lambda m, x: x.max(), A),
    "prod": same(lambda m, x: x.prod(), A),
    "cumsum": both(lambda x: nd.cumsum(x, 1).sum(), lambda x: x.cumsum(1).sum(), A),
    "logsumexp": both(lambda x: nd.logsumexp(x, 1).sum(), lambda x: x.logsumexp(1).sum(), A),
    "softmax": both(lambda x: nd.softmax(x)[:, 0].sum(), lambda x: x.softmax(-1)[:, 0].sum(), A),
    "log_softmax": both(lambda x: nd.log_softmax(x)[:, 0].sum(), lambda x: x.log_softmax(-1)[:, 0].sum(), A),
    "cross_entropy": both(
        lambda x: nd.cross_entropy(x, LABELS),
        lambda x: torch.nn.functional.cross_entropy(x, torch.tensor(LABELS)),
        A,
    ),
    "matmul": same(lambda m, x, y: (x @ y).sum(), A, B),
    "matmul (stack)": same(lambda m, x: m.matmul(m.stack([x, x]), x.T).sum(), A),
    "dot": same(lambda m, x, y: m.dot(x, y), V, V),
    "outer": same(lambda m, x, y: m.outer(x, y).sum(), V, V),
    "einsum": same(lambda m, x, y: m.einsum("ij,jk->ik", x, y).sum(), A, B),
    "reshape": same(lambda m, x: x.reshape(4, 3).sum(), A),
    "transpose": same(lambda m, x: (x.T * 2).sum(), A),
    "expand_dims": both(lambda x: nd.expand_dims(x, 0).sum(), lambda x: x.unsqueeze(0).sum(), A),
    "broadcast_to": same(lambda m, x: m.broadcast_to(x, (2, 3, 4)).sum(), A),
    "concatenate": both(lambda x, y: nd.concatenate([x, y]).sum(), lambda x, y: torch.cat([x, y]).sum(), A, C),
    "stack": same(lambda m, x, y: m.stack([x, y]).sum(), A, C),
    "split": both(lambda x: nd.split(x, 2, axis=1)[0].sum(), lambda x: torch.split(x, 2, dim=1)[0].sum(), A),
    "tile": same(lambda m, x: m.tile(x, (2, 1)).sum(), A),
    "repeat": both(lambda x: nd.repeat(x, 2, axis=0).sum(), lambda x: x.repeat_interleave(2, dim=0).sum(), A),
    "pad": both(lambda x: nd.pad(x, 1).sum(), lambda x: torch.nn.functional.pad(x, (1, 1, 1, 1)).sum(), A),
    "flip": both(lambda x: nd.flip(x, 0).sum(), lambda x: torch.flip(x, [0]).sum(), A),
    "tril": same(lambda m, x: m.tril(x).sum(), A),
    "diagonal": same(lambda m, x: m.diagonal(x).sum(), A),
    "trace": same(lambda m, x: m.trace(x[:, :3]), A),
    "index: int, slice": same(lambda m, x: x[1, 1:3].sum(), A),
    "index: integer array": same(lambda m, x: x[[0, 2, 2]].sum(), A),
    "index: mask": same(lambda m, x: x[x > 1.0].sum(), A),
}


def timed(fn: Callable, leaves: list, repeat: int) -> float:
    def step() -> None:
        for leaf in leaves:
            leaf.grad = None
        fn(*leaves).backward()

    step()
    number = max(1, int(0.02 / timeit.timeit(step, number=1)))
    return min(timeit.repeat(step, number=number, repeat=repeat)) / number


def run(name: str, repeat: int) -> tuple[float, float]:
    nd_fn, torch_fn, inputs = CASES[name]
    ours = [nd.tensor(x, requires_grad=True) for x in inputs]
    theirs = [torch.tensor(x, requires_grad=True) for x in inputs]
    t_nd, t_torch = timed(nd_fn, ours, repeat), timed(torch_fn, theirs, repeat)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
    return t_nd, t_torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated case names")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(1)
    names = args.only.split(",") if args.only else list(CASES)
    rows = [(name, *run(name, args.repeat)) for name in names]
    print(f"{'operation':24} {'ndgrad':>10} {'PyTorch':>10} {'ratio':>7}")
    for name, t_nd, t_torch in sorted(rows, key=lambda r: r[2] / r[1]):
        print(f"{name:24} {t_nd * 1e6:8.1f}us {t_torch * 1e6:8.1f}us {t_nd / t_torch:6.2f}x")


if __name__ == "__main__":
    main()
