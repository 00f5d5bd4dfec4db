"""Indexing: values and result shapes against NumPy, gradients against PyTorch and
finite differences, batched rules, higher order, setitem and its errors."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import ndgrad as nd
from ndgrad.core import engine
from ndgrad.core.errors import GraphError
from ndgrad.gradcheck import gradcheck
from ndgrad.ops.index import Index

RNG = np.random.default_rng(7)
X = RNG.standard_normal((4, 3, 5))
MASK_3x5 = RNG.random((3, 5)) > 0.5

# Index forms and the NumPy index they mean; `X[index]` is the expected value.
INDEX_FORMS = {
    "int": 2,
    "negative int": -1,
    "tuple of ints": (1, 2, 3),
    "slice": slice(1, 3),
    "slice with step": (slice(None), slice(None, None, 2)),
    "negative step": (slice(None, None, -1), slice(2, 0, -1)),
    "negative step past the start": (slice(None), slice(None), slice(3, None, -2)),
    "empty slice": slice(3, 1),
    "None": (None, 1),
    "Ellipsis": (Ellipsis, 1),
    "None and Ellipsis": (None, Ellipsis, None, 0),
    "list": [0, 3],
    "repeated list": [1, 1, 0, 1],
    "negative array": np.array([-1, -4]),
    "2-d array": np.array([[0, 1], [2, 3]]),
    "arrays on two axes": ([0, 1, 3], [2, 2, 0]),
    "arrays split by a slice": ([0, 1], slice(None), [4, 4]),
    "int and array split by a slice": (0, slice(None), [1, 2]),
    "int next to array": (slice(None), 0, [1, 2]),
    "arrays split by None": ([0, 1], None, [1, 1]),
    "arrays split by Ellipsis": ([0, 1], Ellipsis, [1, 1]),
    "broadcast arrays": (np.array([[0], [2]]), slice(None), np.array([1, 3, 4])),
    "mask over two axes": (slice(None), MASK_3x5),
    "mask on one axis": np.array([True, False, True, True]),
    "mask and array": (np.array([True, False, True, False]), slice(None), [0, 4]),
    "0-d True": True,
    "0-d False with int": (False, 0),
    "empty list": [],
    "empty tuple": (),
}


@pytest.mark.parametrize("name", INDEX_FORMS)
def test_values_and_shapes_match_numpy(name):
    index = INDEX_FORMS[name]
    expected = X[index]
    out = nd.tensor(X)[index]
    assert out.shape == expected.shape
    np.testing.assert_array_equal(np.asarray(out), expected)
    assert Index(X.shape, index).out_shape == expected.shape


@pytest.mark.parametrize("name", INDEX_FORMS)
def test_gradient_adds_cotangent_at_indexed_positions(name):
    index = INDEX_FORMS[name]
    w = RNG.standard_normal(X[index].shape)
    x = nd.tensor(X, requires_grad=True)
    (x[index] * w).sum().backward()
    expected = np.zeros_like(X)
    np.add.at(expected, index, w)
    np.testing.assert_allclose(x.grad.numpy(), expected)


def test_tensor_indices_work_like_arrays():
    x = nd.tensor(X)
    rows = nd.tensor([3, 0])
    mask = nd.tensor(MASK_3x5)
    np.testing.assert_array_equal(np.asarray(x[rows]), X[[3, 0]])
    np.testing.assert_array_equal(np.asarray(x[:, mask]), X[:, MASK_3x5])
    np.testing.assert_array_equal(np.asarray(x[np.int64(1), np.array(2)]), X[1, 2])


# --------------------------------------------------------- PyTorch as oracle


def _torch_grad(fn, x, w):
    xt = torch.tensor(x, requires_grad=True)
    yt = fn(xt)
    (yt * torch.tensor(w)).sum().backward()
    return yt.detach().numpy(), xt.grad.numpy()


def _nd_grad(fn, x, w):
    xn = nd.tensor(x, requires_grad=True)
    yn = fn(xn)
    (yn * w).sum().backward()
    return yn.numpy(), xn.grad.numpy()


TORCH_PAIRS = {
    "basic": (lambda x: x[1:3, 0, ::2], None),
    "negative step": (lambda x: x[::-1, :, 3:0:-2], lambda x: torch.flip(x, [0])[:, :, 1:4][..., ::2].flip(-1)),
    "repeated rows": (lambda x: x[[0, 2, 0, 0]], None),
    "repeated pairs": (lambda x: x[[1, 1, 3], :, [0, 0, 2]], None),
    "mask": (lambda x: x[:, MASK_3x5], lambda x: x[:, torch.tensor(MASK_3x5)]),
    "None and Ellipsis": (lambda x: x[None, ..., [2, 2], None], None),
    "array then Ellipsis": (lambda x: x[[3, 0], ..., 1], None),
}


@pytest.mark.parametrize("name", TORCH_PAIRS)
def test_values_and_gradients_match_torch(name):
    fn, torch_fn = TORCH_PAIRS[name]
    w = RNG.standard_normal(fn(X).shape)
    want_y, want_g = _torch_grad(torch_fn or fn, X, w)
    y, g = _nd_grad(fn, X, w)
    np.testing.assert_allclose(y, want_y)
    np.testing.assert_allclose(g, want_g)


# ------------------------------------------------------------- batch axes


def _jacobian_by_rows(fn, x):
    """d fn(x) / dx one output element at a time (no batching anywhere)."""
    xt = nd.tensor(x, requires_grad=True)
    y = fn(xt)
    rows = []
    for k in range(y.size):
        seed = np.zeros(y.shape)
        seed.flat[k] = 1.0
        (g,) = nd.autograd.grad(y, xt, seed, retain_graph=True)
        rows.append(g.numpy().ravel())
    return np.array(rows)


@pytest.mark.parametrize("index", [
    ([0, 1], slice(None), [4, 4]),   # NumPy moves the advanced axes to the front
    ([2, 2], None, 1),
    (slice(None), MASK_3x5),
    (Ellipsis, [0, 0, 3]),
])
def test_batched_vjp_equals_the_jacobian(index):
    x = nd.tensor(X, requires_grad=True)
    y = x[index]
    m = y.size
    basis = np.eye(m).reshape((m, *y.shape))
    (jac,) = engine.backward([y], [basis], inputs=[x])
    jac = np.asarray(getattr(jac, "data", jac)).reshape(m, X.size)
    np.testing.assert_array_equal(jac, _jacobian_by_rows(lambda t: t[index], X))


def test_batched_gather_and_scatter_keep_batch_axes_first():
    index = Index(X.shape, ([0, 1], slice(None), [4, 4]))
    batch = RNG.standard_normal((2, 6, *X.shape))
    out = index.gather(batch)
    assert out.shape == (2, 6, 2, 3)
    np.testing.assert_array_equal(out[1, 4], batch[1, 4][index.key])
    g = RNG.standard_normal((6, 2, 3))
    scattered = index.scatter(g)
    assert scattered.shape == (6, *X.shape)
    for b in range(6):
        want = np.zeros(X.shape)
        np.add.at(want, index.key, g[b])
        np.testing.assert_array_equal(scattered[b], want)


def test_forward_mode_through_getitem():
    x = nd.tensor(X)
    level = nd.core.new_level()
    from ndgrad.core.forward import seed, unseed

    tangent = RNG.standard_normal(X.shape)
    _, t = unseed(seed(x, tangent, level)[[1, 1], :, [0, 2]], level)
    np.testing.assert_array_equal(np.asarray(getattr(t, "data", t)), tangent[[1, 1], :, [0, 2]])


# -------------------------------------------------------------- hypothesis

AXIS_ENTRY = st.one_of(
    st.integers(-3, 2).map(lambda i: ("int", i)),
    st.tuples(st.sampled_from([None, -4, -1, 0, 1, 3]), st.sampled_from([None, -2, 0, 2, 5]),
              st.sampled_from([None, 1, 2, -1, -3])).map(lambda s: ("slice", slice(*s))),
    st.lists(st.integers(-3, 2), min_size=0, max_size=3).map(lambda v: ("array", np.array(v, dtype=np.intp))),
    st.lists(st.booleans(), min_size=3, max_size=3).map(lambda v: ("mask", np.array(v))),
    st.lists(st.booleans(), min_size=9, max_size=9).map(lambda v: ("mask", np.array(v).reshape(3, 3))),
    st.booleans().map(lambda b: ("0-d bool", b)),
)
EXTRA = st.sampled_from([None, Ellipsis])


@st.composite
def index_for_3x3x3(draw):
    entries = draw(st.lists(AXIS_ENTRY, min_size=0, max_size=3))
    key = [e for _, e in entries]
    arrays = [e for kind, e in entries if kind == "array"]
    if len(arrays) > 1 and len({a.shape for a in arrays}) > 1:
        key = [e if not isinstance(e, np.ndarray) or e.dtype == bool else arrays[0] for e in key]
    for _ in range(draw(st.integers(0, 2))):
        key.insert(draw(st.integers(0, len(key))), draw(EXTRA))
    if sum(k is Ellipsis for k in key) > 1:
        key = [k for k in key if k is not Ellipsis]
    return tuple(key)


@given(index_for_3x3x3())
def test_any_index_mix_matches_numpy_with_batch_axes(index):
    x = RNG.standard_normal((3, 3, 3))
    try:
        expected = x[index]
    except IndexError:
        with pytest.raises(IndexError):
            nd.tensor(x)[index]
        return
    ix = Index(x.shape, index)
    assert ix.out_shape == expected.shape
    np.testing.assert_array_equal(np.asarray(nd.tensor(x)[index]), expected)
    batch = RNG.standard_normal((2, 3, 3, 3))
    gathered = ix.gather(batch)
    np.testing.assert_array_equal(gathered, np.stack([b[index] for b in batch]))
    g = RNG.standard_normal((2, *expected.shape))
    for b, scattered in enumerate(ix.scatter(g)):
        want = np.zeros(x.shape)
        np.add.at(want, index, g[b])
        np.testing.assert_array_equal(scattered, want)


# ------------------------------------------------------------- higher order


def test_second_derivative_through_getitem():
    x = nd.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = (x[[0, 2, 2]] ** 3).sum()  # x0^3 + 2 x2^3
    (g,) = nd.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), [3 * 0.25, 0.0, 2 * 3 * 4.0])
    (h,) = nd.autograd.grad(g[2], x)
    np.testing.assert_allclose(h.numpy(), [0.0, 0.0, 2 * 6 * 2.0])


def test_third_derivative_through_scatter_and_gather():
    x = nd.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = (x[:, ::-1][1, 0] ** 4)  # x[1, 1] ** 4
    (g,) = nd.autograd.grad(y, x, create_graph=True)
    (h,) = nd.autograd.grad(g[1, 1], x, create_graph=True)
    (k,) = nd.autograd.grad(h[1, 1], x)
    np.testing.assert_allclose(k.numpy(), [[0.0, 0.0], [0.0, 24 * 4.0]])


# ------------------------------------------------------ take & friends


def test_take_matches_numpy_and_gradchecks():
    idx = np.array([[2, 0], [2, 1]])
    np.testing.assert_array_equal(np.asarray(nd.take(nd.tensor(X), idx, axis=1)), np.take(X, idx, axis=1))
    np.testing.assert_array_equal(np.asarray(nd.take(nd.tensor(X), [5, 59])), np.take(X, [5, 59]))
    np.testing.assert_array_equal(np.asarray(nd.take(nd.tensor(X), 1, axis=-1)), np.take(X, 1, axis=-1))
    assert gradcheck(lambda x: nd.take(x, idx, axis=-1), RNG.standard_normal((2, 3)))


def test_take_along_axis_matches_numpy_and_gradchecks():
    x = RNG.standard_normal((3, 4))
    order = np.argsort(x, axis=1)
    np.testing.assert_array_equal(np.asarray(nd.take_along_axis(nd.tensor(x), order, 1)),
                                  np.take_along_axis(x, order, 1))
    top = np.argmax(x, axis=0)[None]
    np.testing.assert_array_equal(np.asarray(nd.take_along_axis(nd.tensor(x), top, 0)),
                                  np.take_along_axis(x, top, 0))
    flat = np.array([0, 11, 11])
    np.testing.assert_array_equal(np.asarray(nd.take_along_axis(nd.tensor(x), flat, None)),
                                  np.take_along_axis(x, flat, None))
    assert gradcheck(lambda t: nd.take_along_axis(t, np.array([[1, 1], [0, 2]]), -1), x[:2, :3])


def test_put_along_axis_writes_in_place_like_numpy():
    x = RNG.standard_normal((2, 3))
    expected = x.copy()
    np.put_along_axis(expected, np.array([[2], [0]]), 9.0, 1)
    t = nd.tensor(x.copy())
    assert nd.put_along_axis(t, np.array([[2], [0]]), 9.0, 1) is None
    np.testing.assert_array_equal(t.numpy(), expected)
    raw = x.copy()
    nd.put_along_axis(raw, np.array([[2], [0]]), 9.0, 1)
    np.testing.assert_array_equal(raw, expected)


def test_nonzero_argwhere_flatnonzero_and_one_argument_where():
    a = np.array([[0, 3, 0], [1, 0, 2]])
    for got, want in zip(nd.nonzero(nd.tensor(a)), np.nonzero(a), strict=True):
        np.testing.assert_array_equal(got.numpy(), want)
    for got, want in zip(nd.where(nd.tensor(a) > 0), np.where(a > 0), strict=True):
        np.testing.assert_array_equal(got.numpy(), want)
    np.testing.assert_array_equal(nd.argwhere(nd.tensor(a)).numpy(), np.argwhere(a))
    np.testing.assert_array_equal(nd.flatnonzero(nd.tensor(a)).numpy(), np.flatnonzero(a))
    x = nd.tensor(a.astype(float), requires_grad=True)
    assert not nd.nonzero(x)[0].requires_grad


# ----------------------------------------------------- index_update, setitem


def test_index_update_values_match_numpy_setitem():
    for index, value in [((1, slice(None)), 7.0), ([3, 0], RNG.standard_normal((2, 3, 5))),
                         ((slice(None), MASK_3x5), -1.0), ((Ellipsis, 0), RNG.standard_normal((1, 3)))]:
        expected = X.copy()
        expected[index] = value
        out = nd.index_update(nd.tensor(X), index, value)
        np.testing.assert_array_equal(out.numpy(), expected)
    assert nd.index_update(nd.tensor(X), 0, 1.0).numpy()[1, 0, 0] == X[1, 0, 0]


def test_index_update_gradients():
    x = nd.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    v = nd.tensor(10.0, requires_grad=True)
    y = nd.index_update(x * 1.0, [1, 3], v)
    (y * nd.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 3.0, 0.0])
    assert v.grad.item() == 2.0 + 4.0  # broadcast to two positions, summed back
    assert gradcheck(lambda a, b: nd.index_update(a, (slice(None), [0, 2]), b) ** 2,
                     RNG.standard_normal((2, 3)), RNG.standard_normal((2, 1)))


def test_setitem_on_a_tensor_without_grad():
    x = nd.zeros((2, 3))
    x[0, 1:] = nd.tensor([1.0, 2.0])
    x[1] = 5
    np.testing.assert_array_equal(x.numpy(), [[0.0, 1.0, 2.0], [5.0, 5.0, 5.0]])
    assert not x.requires_grad


def test_setitem_records_gradients_of_x_and_value():
    a = nd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = nd.tensor(4.0, requires_grad=True)
    b = a * 2.0
    b[1] = v * 3.0
    (b * b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [8.0, 0.0, 24.0])  # d(4 a^2)/da, none where overwritten
    np.testing.assert_allclose(v.grad.numpy(), 2 * 12.0 * 3.0)


def test_setitem_into_a_tensor_without_grad_from_one_with_grad():
    buffer = nd.zeros(3)
    v = nd.tensor([1.0, 2.0], requires_grad=True)
    buffer[[0, 2]] = v
    assert buffer.requires_grad
    (buffer * nd.tensor([5.0, 6.0, 7.0])).sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), [5.0, 7.0])


def test_setitem_on_a_leaf_that_requires_grad_is_refused():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(GraphError, match="no_grad"):
        x[0] = 3.0
    with nd.no_grad():
        x[0] = 3.0
    assert x.tolist() == [3.0, 2.0]


def test_version_counter_catches_setitem_on_a_saved_value():
    a = nd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a * 2.0
    c = b ** 2  # saves b for its gradient
    b[0] = 0.0
    with pytest.raises(GraphError, match=r"setitem"):
        c.sum().backward()


def test_getitem_saves_nothing_so_later_setitem_is_fine():
    a = nd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a * 1.0
    c = b[1:]
    b[0] = 9.0
    (c * 1.0).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 1.0, 1.0])


def test_index_add_accumulates_repeats():
    out = nd.index_add(nd.zeros(3), [0, 0, 2], nd.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(out.numpy(), [3.0, 0.0, 3.0])


# ------------------------------------------------------------------- errors


def test_out_of_bounds_int_names_axis_size_and_index():
    with pytest.raises(IndexError, match=r"index 3 is out of bounds for axis 1 with size 3.*shape \(4, 3, 5\)"):
        nd.tensor(X)[0, 3]


def test_out_of_bounds_array_names_the_bad_index():
    with pytest.raises(IndexError, match=r"index -6 is out of bounds for axis 2 with size 5"):
        nd.tensor(X)[:, :, [0, -6]]
    with pytest.raises(IndexError, match=r"index 4 is out of bounds for axis 0 with size 4"):
        nd.tensor(X)[[0, 4]]  # one array alone: the short path checks bounds too


def test_mask_of_the_wrong_shape_is_explained():
    with pytest.raises(IndexError, match=r"boolean mask of shape \(2,\) does not match axis 0.*\(4, 3, 5\)"):
        nd.tensor(X)[np.array([True, False])]


def test_too_many_indices():
    with pytest.raises(IndexError, match=r"too many indices for a tensor of shape \(4, 3, 5\)"):
        nd.tensor(X)[0, 0, 0, 0]


def test_float_index_is_refused_with_a_fix():
    with pytest.raises(IndexError, match="astype"):
        nd.tensor(X)[np.array([0.0, 1.0])]
    with pytest.raises(IndexError, match="not a valid index"):
        nd.tensor(X)[1.5]


def test_index_arrays_that_do_not_broadcast():
    with pytest.raises(IndexError, match=r"cannot be broadcast together.*rows\[:, None\]"):
        nd.tensor(X)[[0, 1], [0, 1, 2]]


def test_value_that_does_not_fit_the_region():
    with pytest.raises(ValueError, match=r"shape \(4,\) cannot be written .* region of shape \(3, 5\)"):
        nd.index_update(nd.tensor(X), 0, np.ones(4))
