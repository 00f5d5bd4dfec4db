"""Linear-algebra and FFT gradients: ndgrad against the same VJP written by hand in NumPy.

Each case times one forward pass plus one reverse pass with a given cotangent,
on 100x100 matrices (length-4096 signals for the FFTs): ndgrad's `backward`
against NumPy's forward call followed by the textbook VJP formula.  Both run
single-threaded, interleaved round after round, timed in CPU time (this
process's, so other jobs on a shared machine count less); the table shows the
best round's time per call and the ratio (target: ndgrad within 1.5x).

    python bench/linalg_fft_vjp.py            # about 30 s
    python bench/linalg_fft_vjp.py --quick    # a few seconds
    python bench/linalg_fft_vjp.py --only eigh,rfft
    MALLOC_TOP_PAD_=16000000 python bench/linalg_fft_vjp.py

On glibc, arrays above 128 KB (qr and svd pack their outputs into 200x100
arrays) come fresh from the kernel each time, page faults included, unless
the heap keeps some slack (MALLOC_TOP_PAD_); ndgrad's backward allocates more
such temporaries than the hand-written formula, so the setting narrows those
two ratios (qr ~1.5x -> ~1.1x on a 2-core test machine).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

import ndgrad as nd  # noqa: E402

N, SIGNAL = 100, 4096
TARGET = 1.5
RNG = np.random.default_rng(0)


def _matrix() -> np.ndarray:
    return RNG.normal(size=(N, N))


def _spd() -> np.ndarray:
    x = _matrix()
    return x @ x.T + N * np.eye(N)


def _gaps(v: np.ndarray) -> np.ndarray:
    diff = v[None, :] - v[:, None]
    np.fill_diagonal(diff, 1.0)
    f = 1.0 / diff
    np.fill_diagonal(f, 0.0)
    return f


def _half_weights(n: int, middle: float) -> np.ndarray:
    w = np.full(n // 2 + 1, middle)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    return w


# ----------------------------------------------------------------- hand-written NumPy: forward + VJP


def np_inv(a, g):
    ainv = np.linalg.inv(a)
    return -ainv.T @ g @ ainv.T


def np_det(a, g):
    d = np.linalg.det(a)
    return (g * d) * np.linalg.inv(a).T


def np_slogdet(a, g):
    np.linalg.slogdet(a)
    return g * np.linalg.inv(a).T


def np_solve(a, b, g):
    x = np.linalg.solve(a, b)
    gb = np.linalg.solve(a.T, g)
    return -gb @ x.T, gb


def np_cholesky(a, g):
    lower = np.linalg.cholesky(a)
    phi = np.tril(lower.T @ g)
    phi[np.diag_indices(N)] *= 0.5
    s = np.linalg.solve(lower.T, np.linalg.solve(lower.T, phi).T).T
    return np.tril(s) + np.tril(s.T, -1)


def np_qr(a, gq, gr):
    q, r = np.linalg.qr(a)
    b = q.T @ gq - gr @ r.T
    k = np.tril(b - b.T, -1) - b
    return np.linalg.solve(r, (gq + q @ k).T).T


def np_eigh(a, gw, gv):
    w, v = np.linalg.eigh(a)
    inner = np.diag(gw) + _gaps(w) * (v.T @ gv)
    g = v @ inner @ v.T
    return np.tril(g) + np.tril(g.T, -1)


def np_svd(a, gu, gs, gvh):
    u, s, vh = np.linalg.svd(a)
    v, gv = vh.T, gvh.T
    f = _gaps(s * s)
    j, k = f * (u.T @ gu), f * (v.T @ gv)
    inner = (j + j.T) * s[None, :] + np.diag(gs) + (k + k.T) * s[:, None]
    return u @ inner @ vh


def np_pinv(a, g):
    p = np.linalg.pinv(a)
    gt = g.T
    first = -p.T @ (g @ p.T)
    x = gt @ (p @ p.T)
    y = (p.T @ p) @ gt
    return first + (x - a @ (p @ x)) + (y - (y @ p) @ a)


def np_fft(x, g):
    np.fft.fft(x)
    return np.fft.fft(g).real


def np_ifft(x, g):
    np.fft.ifft(x)
    return np.fft.ifft(g).real


def np_rfft(x, g):
    np.fft.rfft(x)
    return np.fft.irfft(np.conj(g) * _half_weights(SIGNAL, 0.5), n=SIGNAL, norm="forward")


def np_irfft(y, g):
    np.fft.irfft(y, n=SIGNAL)
    return np.conj(np.fft.rfft(g, norm="forward")) * _half_weights(SIGNAL, 2.0)


def np_fft2(x, g):
    np.fft.fft2(x)
    return np.fft.fft2(g).real


# ----------------------------------------------------------------- ndgrad: forward + backward


# The differentiated inputs are leaf tensors made once, like a model's
# parameters; each call clears their .grad, runs forward and backward.


def _backward(outputs, cotangents, leaves):
    for x in leaves:
        x.grad = None
    nd.autograd.backward(list(outputs), list(cotangents))
    return [x.grad.data for x in leaves]


def nd_unary(op: Callable) -> Callable:
    def run(x, g):
        return _backward([op(x)], [g], [x])[0]

    return run


def nd_solve(a, b, g):
    return _backward([nd.linalg.solve(a, b)], [g], [a, b])


def nd_qr(a, gq, gr):
    return _backward(nd.linalg.qr(a), [gq, gr], [a])[0]


def nd_eigh(a, gw, gv):
    return _backward(nd.linalg.eigh(a), [gw, gv], [a])[0]


def nd_svd(a, gu, gs, gvh):
    return _backward(nd.linalg.svd(a), [gu, gs, gvh], [a])[0]


def _complex(*shape):
    return RNG.normal(size=shape) + 1j * RNG.normal(size=shape)


# name: (ndgrad, NumPy, inputs, how many leading inputs are differentiated)
CASES = {
    "inv": (nd_unary(nd.linalg.inv), np_inv, lambda: (_matrix() + N * np.eye(N), _matrix())),
    "det": (nd_unary(nd.linalg.det), np_det, lambda: (_matrix() / 10 + np.eye(N), np.float64(0.7))),
    "slogdet": (nd_unary(lambda x: nd.linalg.slogdet(x).logabsdet), np_slogdet, lambda: (_matrix(), np.float64(0.7))),
    "solve": (nd_solve, np_solve, lambda: (_matrix() + N * np.eye(N), _matrix(), _matrix()), 2),
    "cholesky": (nd_unary(nd.linalg.cholesky), np_cholesky, lambda: (_spd(), _matrix())),
    "qr": (nd_qr, np_qr, lambda: (_matrix(), _matrix(), np.triu(_matrix()))),
    "eigh": (nd_eigh, np_eigh, lambda: (_spd(), RNG.normal(size=N), _matrix())),
    "svd": (nd_svd, np_svd, lambda: (_matrix(), _matrix(), RNG.normal(size=N), _matrix())),
    "pinv": (nd_unary(nd.linalg.pinv), np_pinv, lambda: (_matrix(), _matrix())),
    "fft": (nd_unary(nd.fft.fft), np_fft, lambda: (RNG.normal(size=SIGNAL), _complex(SIGNAL))),
    "ifft": (nd_unary(nd.fft.ifft), np_ifft, lambda: (RNG.normal(size=SIGNAL), _complex(SIGNAL))),
    "rfft": (nd_unary(nd.fft.rfft), np_rfft, lambda: (RNG.normal(size=SIGNAL), _complex(SIGNAL // 2 + 1))),
    "irfft": (nd_unary(lambda y: nd.fft.irfft(y, n=SIGNAL)), np_irfft,
              lambda: (_complex(SIGNAL // 2 + 1), RNG.normal(size=SIGNAL))),
    "fft2 64x64": (nd_unary(nd.fft.fft2), np_fft2, lambda: (RNG.normal(size=(64, 64)), _complex(64, 64))),
}


def _per_call(fn: Callable, inputs: tuple, budget: float, clock: Callable[[], float]) -> float:
    """Seconds per call, from as many calls as fit in `budget` seconds (at least 3)."""
    calls, start = 0, clock()
    while True:
        fn(*inputs)
        calls += 1
        elapsed = clock() - start
        if elapsed >= budget and calls >= 3:
            return elapsed / calls


def _check(name: str, got, want) -> None:
    got = got if isinstance(got, list) else [got]
    want = want if isinstance(want, tuple) else (want,)
    for g, w in zip(got, want, strict=True):
        if not np.allclose(g, w, rtol=1e-6, atol=1e-8 * max(1.0, np.abs(w).max())):
            raise AssertionError(f"{name}: ndgrad's gradient differs from the NumPy formula")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 short rounds")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--only", default="", help="comma-separated case names")
    parser.add_argument("--wall", action="store_true", help="wall-clock time instead of CPU time")
    args = parser.parse_args()
    clock = time.perf_counter if args.wall else time.process_time
    rounds = args.rounds or (2 if args.quick else 5)
    budget = 0.05 if args.quick else 0.2
    names = [n for n in CASES if not args.only or n in args.only.split(",")]

    print(f"ndgrad VJPs vs hand-written NumPy: {N}x{N} matrices, length-{SIGNAL} signals, "
          f"forward + backward, best of {rounds} rounds, {'wall' if args.wall else 'CPU'} time, 1 thread")
    print(f"{'case':<12}{'NumPy':>11}{'ndgrad':>11}{'ratio':>8}  target <= {TARGET}x")
    if "MALLOC_TOP_PAD_" not in os.environ:
        print("(glibc heap without MALLOC_TOP_PAD_: arrays over 128 KB pay page faults; see the module docstring)")
    misses = 0
    for name in names:
        ours, theirs, make_inputs, *differentiated = CASES[name]
        inputs = make_inputs()
        k = differentiated[0] if differentiated else 1
        leaves = tuple(nd.tensor(x, requires_grad=True) for x in inputs[:k]) + inputs[k:]
        _check(name, ours(*leaves), theirs(*inputs))
        times: dict[str, list[float]] = {"numpy": [], "ndgrad": []}
        for r in range(rounds):
            order = [("numpy", theirs, inputs), ("ndgrad", ours, leaves)]
            for key, fn, args_ in order if r % 2 == 0 else order[::-1]:
                times[key].append(_per_call(fn, args_, budget, clock))
        t_np, t_nd = min(times["numpy"]), min(times["ndgrad"])
        ratio = t_nd / t_np
        misses += ratio > TARGET
        verdict = "ok" if ratio <= TARGET else "MISS"
        print(f"{name:<12}{t_np * 1e3:>9.3f}ms{t_nd * 1e3:>9.3f}ms{ratio:>7.2f}x  {verdict}")
    print(f"{len(names) - misses} of {len(names)} cases within {TARGET}x")


if __name__ == "__main__":
    main()
