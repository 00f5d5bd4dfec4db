"""ScaledRows: a dense batch times a factor shared by its rows, kept lazy.

Forward mode makes one where the identity basis meets a matrix (A @ x); every
JVP rule must treat it like the dense batch it stands for.
"""

from __future__ import annotations

import numpy as np
import pytest

import ndgrad as nd
from ndgrad.core.mode import raw_mode
from ndgrad.transforms._tree import tree_flatten
from ndgrad.transforms.scaled import ScaledRows
from ndgrad.transforms.structured import OneHotRows

from .registry_cases import all_cases

F = nd.func
RNG = np.random.default_rng(11)
BASE = RNG.uniform(-2, 2, (5, 3, 4))
BASE_T = RNG.uniform(-2, 2, (4, 3, 5)).T  # not C-contiguous, as A.T is
FACTORS = {
    "none": None,
    "number": 1.5,
    "0-d": np.array(-0.5),
    "last axis": RNG.uniform(0.5, 2, (4,)),
    "element shape": RNG.uniform(0.5, 2, (3, 4)),
    "size-1 axis": RNG.uniform(0.5, 2, (3, 1)),
}
VEC = RNG.uniform(-2, 2, (4,))
ELEM = RNG.uniform(-2, 2, (3, 4))
FULL = RNG.uniform(-2, 2, (5, 3, 4))
MAT = RNG.uniform(-2, 2, (4, 2))
LEFT = RNG.uniform(-2, 2, (2, 3))


ROWS = RNG.uniform(0.5, 2, (5,))


def _other_on_same_base(x):
    return ScaledRows(x.base, RNG.uniform(0.5, 2, (4,)), x.rows)


# name, operation, does it stay structured (None: depends on the factor)
OPS = [
    ("times number", lambda x: x * 3.0, True),
    ("number times", lambda x: 2.0 * x, True),
    ("times element array", lambda x: x * ELEM, True),
    ("vector times", lambda x: np.multiply(VEC, x), True),
    ("times batch array", lambda x: x * FULL, False),
    ("divide", lambda x: x / (ELEM + 3), True),
    ("divided into", lambda x: ELEM / x, False),
    ("negate", lambda x: -x, True),
    ("positive", lambda x: +x, True),
    ("add same base", lambda x: x + _other_on_same_base(x), True),
    ("subtract same base", lambda x: x - _other_on_same_base(x), True),
    ("add itself scaled", lambda x: x - x * 0.25, True),
    ("add other base", lambda x: x + ScaledRows(FULL), False),
    ("add dense", lambda x: x + FULL, False),
    ("add one-hot", lambda x: x + OneHotRows.basis(5, 0, (3, 4), np.float64), False),
    ("matmul right", lambda x: x @ MAT, False),
    ("matmul left", lambda x: LEFT @ x, None),
    ("sum elements", lambda x: np.sum(x, axis=(-2, -1)), False),
    ("sum elements keepdims", lambda x: x.sum(axis=(1, 2), keepdims=True), False),
    ("sum one axis", lambda x: x.sum(axis=-1), None),
    ("sum with batch", lambda x: x.sum(axis=(0, 2)), False),
    ("sum all", lambda x: x.sum(), False),
    ("reshape with leading 1", lambda x: x.reshape(5, 1, 3, 4), True),
    ("reshape elements", lambda x: np.reshape(x, (5, 12)), None),
    ("reshape batch", lambda x: x.reshape(60), False),
    ("index", lambda x: x[:, 1], False),
    ("power", lambda x: x**2, False),
    ("exp", lambda x: np.exp(x), False),
    ("transpose", lambda x: x.T, False),
    ("astype", lambda x: x.astype(np.float32), False),
    ("abs", lambda x: abs(x), False),
]


@pytest.mark.parametrize("rows", [None, ROWS], ids=["", "rows"])
@pytest.mark.parametrize("base", [BASE, BASE_T], ids=["C", "F"])
@pytest.mark.parametrize("factor", list(FACTORS.values()), ids=list(FACTORS))
@pytest.mark.parametrize("name,op,stays", OPS, ids=[o[0] for o in OPS])
def test_ops_match_the_dense_batch(name, op, stays, factor, base, rows):
    x = ScaledRows(base, factor, rows)
    dense = np.asarray(x)
    row_column = 1 if rows is None else rows[:, None, None]
    np.testing.assert_allclose(dense, base * (1 if factor is None else factor) * row_column, rtol=1e-15)
    assert dense.flags.c_contiguous
    with raw_mode():
        got = op(x)
    want = op(dense) if "same base" not in name else None
    if want is not None:
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-13, atol=1e-13)
    if stays is not None and not (name == "matmul right" and rows is not None):
        assert isinstance(got, ScaledRows) == stays, type(got)
    assert np.shape(got) == np.shape(np.asarray(got))


def test_same_base_adds_by_factors():
    x = ScaledRows(BASE, FACTORS["last axis"], ROWS)
    y = ScaledRows(BASE, FACTORS["element shape"], ROWS)
    other_rows = ScaledRows(BASE, FACTORS["last axis"], ROWS + 1)
    with raw_mode():
        total, diff, mixed = x + y, x - y, x + other_rows
    assert isinstance(total, ScaledRows) and total.base is BASE and total.rows is ROWS
    assert type(mixed) is np.ndarray  # different row scalings: no shared structure
    np.testing.assert_allclose(np.asarray(total), np.asarray(x) + np.asarray(y), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(diff), np.asarray(x) - np.asarray(y), rtol=1e-14)
    np.testing.assert_allclose(mixed, np.asarray(x) + np.asarray(other_rows), rtol=1e-14)


def test_a_product_keeps_the_row_scaling():
    x = ScaledRows(BASE_T, FACTORS["last axis"], ROWS)
    with raw_mode():
        right, left = x @ MAT, LEFT @ x
    assert isinstance(right, ScaledRows) and right.rows is ROWS and right.factor is None
    assert isinstance(left, ScaledRows) and left.rows is ROWS
    np.testing.assert_allclose(np.asarray(right), np.asarray(x) @ MAT, rtol=1e-13)
    np.testing.assert_allclose(np.asarray(left), LEFT @ np.asarray(x), rtol=1e-13)


@pytest.mark.parametrize("order", ["one-hot first", "scaled first"])
@pytest.mark.parametrize("sign", [1, -1])
def test_one_hot_entries_add_into_the_dense_form(order, sign):
    x = ScaledRows(BASE_T, FACTORS["element shape"], ROWS)
    onehot = OneHotRows.basis(5, 1, (3, 4), np.float64) * 3.0
    want = np.asarray(onehot) + sign * np.asarray(x) if order == "one-hot first" else (
        np.asarray(x) + sign * np.asarray(onehot))
    with raw_mode():
        if order == "one-hot first":
            got = onehot + x if sign > 0 else onehot - x
        else:
            got = x + onehot if sign > 0 else x - onehot
    assert type(got) is np.ndarray
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_float32_rows_scale_a_float64_base_without_losing_precision():
    x = ScaledRows(np.ones((2, 3), np.float32), np.full(3, 1 / 3), np.array([1.0, 2.0], np.float32))
    assert x.dtype == np.float64 and np.asarray(x).dtype == np.float64
    np.testing.assert_allclose(np.asarray(x), [[1 / 3] * 3, [2 / 3] * 3], rtol=1e-15)


def test_dense_outside_raw_mode():
    x = ScaledRows(BASE_T, FACTORS["last axis"])
    for result in (x * 2.0, -x, x.sum(axis=-1), np.multiply(x, VEC), x.reshape(5, 1, 3, 4)):
        assert type(result) is np.ndarray
    np.testing.assert_allclose(x * 2.0, 2.0 * BASE_T * FACTORS["last axis"], rtol=1e-14)
    t = nd.tensor(ELEM, requires_grad=True)
    y = x * t  # a tensor operand takes over and sees the dense batch
    assert isinstance(y, nd.Tensor) and type(y.data) is np.ndarray
    assert np.asarray(x).flags.c_contiguous and x.dtype == np.float64 and x.shape == (5, 3, 4)


def test_the_identity_basis_times_a_matrix_is_its_base():
    basis = OneHotRows.basis(4, 0, (4,), np.float64)
    values = RNG.uniform(0.5, 2, 4)
    with raw_mode():
        got = basis @ MAT
        scaled = (basis * values) @ MAT
    assert isinstance(got, ScaledRows) and got.base is MAT and got.rows is None
    assert isinstance(scaled, ScaledRows) and scaled.base is MAT
    np.testing.assert_allclose(np.asarray(scaled), values[:, None] * MAT, rtol=1e-15)


# ------------------------------------------------- every primitive's JVP rule


REGISTRY_CASES = [(name, k, c) for name, cases in sorted(all_cases().items()) for k, c in enumerate(cases)]


def _mixing(x):
    """Q with Q @ x == x but Q != I: the function keeps its value (and its
    domain) while the tangents entering it are a ScaledRows batch of Q's rows."""
    flat = x.reshape(-1)
    r = RNG.uniform(-1, 1, flat.size)
    v = r - (r @ flat) / (flat @ flat) * flat if flat @ flat > 0 else r
    return np.eye(flat.size) + np.outer(RNG.uniform(-1, 1, flat.size), v)


@pytest.mark.parametrize("name,k,case", REGISTRY_CASES, ids=[f"{n}-{k}" for n, k, _ in REGISTRY_CASES])
def test_scaled_tangents_through_every_primitive(name, k, case):
    """jacfwd of f(Q x) is J_f Q: the matrix product seeds ScaledRows(Q.T)."""
    inputs = [np.array(x, dtype=np.float64) for x in case.inputs]
    for j, x in enumerate(inputs):
        if x.size == 0:
            continue
        q = _mixing(x)

        def mixed(*xs, j=j, q=q, shape=x.shape):
            xs = list(xs)
            xs[j] = (nd.tensor(q) @ xs[j].reshape(-1)).reshape(shape)
            return case.fn(*xs)

        want = F.jacfwd(case.fn, argnums=j)(*inputs)
        got = F.jacfwd(mixed, argnums=j)(*inputs)
        for w, g in zip(tree_flatten(want)[0], tree_flatten(got)[0], strict=True):
            w = np.asarray(w.data)
            expected = (w.reshape(-1, x.size) @ q).reshape(w.shape)
            np.testing.assert_allclose(np.asarray(g.data), expected, rtol=1e-9, atol=1e-12,
                                       err_msg=f"{name}-{k} input {j}")


@pytest.mark.parametrize("name,k,case", REGISTRY_CASES, ids=[f"{n}-{k}" for n, k, _ in REGISTRY_CASES])
def test_row_scaled_cotangents_through_every_primitive(name, k, case):
    """jacrev of s * (Q @ f(x)) is diag(s) Q J_f: the product with Q turns the
    scaled one-hot basis into ScaledRows(Q, rows=s), which every VJP rule of
    f then receives."""
    inputs = [np.array(x, dtype=np.float64) for x in case.inputs]
    argnums = tuple(range(len(inputs)))
    outs, _ = tree_flatten(case.fn(*[nd.tensor(x) for x in inputs]))
    want_all = F.jacrev(case.fn, argnums=argnums)(*inputs)
    want_rows = want_all if len(outs) > 1 else (want_all,)
    for i, o in enumerate(outs):
        m = o.size
        if m == 0 or not np.issubdtype(o.dtype, np.floating):
            continue
        q = RNG.uniform(-1, 1, (m, m))
        s = RNG.uniform(0.5, 2, m)

        def mixed(*xs, i=i, q=q, s=s):
            out = tree_flatten(case.fn(*xs))[0][i]
            return (nd.tensor(q) @ out.reshape(-1)) * nd.tensor(s)

        got = F.jacrev(mixed, argnums=argnums)(*inputs)
        for j, x in enumerate(inputs):
            want = np.asarray(tree_flatten(want_rows[i])[0][j].data).reshape(m, x.size)
            expected = ((s[:, None] * q) @ want).reshape((m, *x.shape))
            np.testing.assert_allclose(np.asarray(got[j].data), expected, rtol=1e-9, atol=1e-12,
                                       err_msg=f"{name}-{k} output {i} input {j}")
