"""Cases for the reduction and scan primitives (and the fused softmax family)."""

import numpy as np

import ndgrad as nd

from . import case, rand


def with_zeros(*shape: int, zeros: int = 1) -> np.ndarray:
    """Random values with exactly `zeros` entries set to 0 (products stay exact there)."""
    x = rand(*shape, low=0.5, high=2.0) * np.sign(rand(*shape))
    x.reshape(-1)[np.linspace(0, x.size - 1, zeros).astype(int)] = 0.0
    return x


def distinct(*shape: int) -> np.ndarray:
    """Values far apart, so that max/min have no ties near the test point."""
    return np.random.default_rng(7).permutation(np.arange(np.prod(shape, dtype=int))).reshape(shape) * 0.3 - 1.0


CASES = {
    "sum": [
        case(lambda x: nd.sum(x), rand(2, 3)),
        case(lambda x: nd.sum(x, axis=-1, keepdims=True), rand(2, 3)),
        case(lambda x: nd.sum(x, axis=(0, 2)), rand(2, 1, 3)),
        case(lambda x: nd.sum(x), rand()),
    ],
    "mean": [
        case(lambda x: nd.mean(x), rand(2, 3)),
        case(lambda x: nd.mean(x, axis=-1, keepdims=True), rand(2, 3)),
        case(lambda x: nd.mean(x, axis=(0, 2)), rand(2, 1, 3)),
        case(lambda x: x.mean(axis=1), rand(3, 1), note="size-1 axis"),
        case(lambda x: nd.mean(x), rand()),
    ],
    "prod": [
        case(lambda x: nd.prod(x, axis=1), rand(2, 3, 2, low=0.5, high=1.5)),
        case(lambda x: nd.prod(x, axis=(0, 2), keepdims=True), rand(2, 3, 2)),
        case(lambda x: nd.prod(x), with_zeros(2, 3), note="one zero"),
        case(lambda x: nd.prod(x, axis=-1), with_zeros(2, 4, zeros=3), note="several zeros"),
        case(lambda x: nd.prod(x), rand()),
        case(lambda x: nd.prod(x, axis=0), rand(1, 3)),
    ],
    "max": [
        case(lambda x: nd.max(x), distinct(2, 3)),
        case(lambda x: nd.max(x, axis=0, keepdims=True), distinct(3, 2)),
        case(lambda x: nd.max(x, axis=(-1, 0)), distinct(2, 3, 4)),
        case(lambda x: nd.max(x), rand()),
        case(lambda x: nd.amax(x, axis=1), distinct(3, 1)),
    ],
    "min": [
        case(lambda x: nd.min(x, axis=-1), distinct(2, 3)),
        case(lambda x: nd.amin(x, axis=None, keepdims=True), distinct(3, 2)),
        case(lambda x: nd.min(x), rand()),
    ],
    "cumsum": [
        case(lambda x: nd.cumsum(x, axis=1), rand(2, 3)),
        case(lambda x: nd.cumsum(x), rand(2, 3), note="flattened"),
        case(lambda x: nd.cumulative_sum(x, include_initial=True), rand(4)),
        case(lambda x: nd.cumsum(x, axis=0), rand(1, 3)),
    ],
    "cumprod": [
        case(lambda x: nd.cumprod(x, axis=-1), rand(2, 4, low=0.5, high=1.5)),
        case(lambda x: nd.cumprod(x, axis=0), with_zeros(4, 2, zeros=2), note="zeros"),
        case(lambda x: nd.cumulative_prod(x, axis=1, include_initial=True), with_zeros(2, 3)),
        case(lambda x: nd.cumprod(x), rand(1)),
    ],
    "logsumexp": [
        case(lambda x: nd.logsumexp(x, axis=-1), rand(2, 3)),
        case(lambda x: nd.logsumexp(x, axis=(0, 2), keepdims=True), rand(2, 1, 3)),
        case(lambda x: nd.logsumexp(x), rand()),
        case(lambda x: nd.logsumexp(x * 500.0), rand(3), note="large inputs"),
    ],
    "softmax": [
        case(lambda x: nd.softmax(x), rand(2, 3)),
        case(lambda x: nd.softmax(x, axis=0), rand(3, 1)),
        case(lambda x: nd.softmax(x, axis=None), rand(2, 2)),
        case(lambda x: nd.softmax(x), rand()),
    ],
    "log_softmax": [
        case(lambda x: nd.log_softmax(x), rand(2, 3)),
        case(lambda x: nd.log_softmax(x, axis=(0, 1)), rand(2, 1, 3)),
        case(lambda x: nd.log_softmax(x), rand()),
    ],
    "var": [
        case(lambda x: nd.var(x), rand(2, 3)),
        case(lambda x: nd.var(x, axis=-1, ddof=1), rand(2, 4)),
        case(lambda x: nd.var(x, axis=(0, 2), keepdims=True), rand(2, 1, 3)),
        case(lambda x: nd.var(x, axis=1), rand(3, 1), note="one value per lane"),
        case(lambda x: nd.var(x), rand()),
    ],
    "std": [
        case(lambda x: nd.std(x), rand(2, 3)),
        case(lambda x: nd.std(x, axis=0, correction=1), rand(3, 2)),
        case(lambda x: nd.std(x, axis=(0, 2), keepdims=True), rand(2, 1, 3)),
        case(lambda x: nd.std(x, axis=1, ddof=1), rand(3, 2), note="two values per lane"),
    ],
    "euclidean_norm": [
        case(lambda x: nd.linalg.norm(x), rand(2, 3)),
        case(lambda x: nd.linalg.norm(x, axis=-1, keepdims=True), rand(2, 4)),
        case(lambda x: nd.linalg.vector_norm(x, axis=(0, 2)), rand(2, 1, 3)),
        case(lambda x: nd.linalg.matrix_norm(x), rand(2, 3, 3), note="Frobenius"),
        case(lambda x: nd.linalg.norm(x), rand()),
    ],
}
