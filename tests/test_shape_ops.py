"""Shape operations: values against NumPy, derivatives by finite differences
(both modes, via gradcheck) and PyTorch, and errors that explain."""

import numpy as np
import pytest
import torch

import ndgrad as nd
from ndgrad.core.errors import ShapeError
from ndgrad.gradcheck import gradcheck

RNG = np.random.default_rng(3)
A = RNG.standard_normal((2, 3, 4))
M = RNG.standard_normal((4, 5))
V = RNG.standard_normal(6)


def _same(out, expected):
    if isinstance(expected, (list, tuple)):
        assert isinstance(out, (list, tuple)) and len(out) == len(expected)
        for o, e in zip(out, expected, strict=True):
            _same(o, e)
        return
    assert isinstance(out, nd.Tensor)
    assert out.shape == np.shape(expected)
    np.testing.assert_array_equal(out.numpy(), expected)
    if np.asarray(expected).dtype.kind == "f":  # zeros keep their sign, as NumPy's do
        np.testing.assert_array_equal(np.signbit(out.numpy()), np.signbit(expected))


# (ndgrad call, NumPy call, input): every function against NumPy's value.
VALUE_CASES = {
    "flatten": (nd.flatten, lambda a: a.flatten(), A),
    "flatten 0-d": (nd.flatten, lambda a: a.flatten(), np.array(2.0)),
    "flatten dims": (lambda t: nd.flatten(t, 1), lambda a: a.reshape(2, 12), A),
    "ravel": (nd.ravel, np.ravel, A),
    "ravel F": (lambda t: nd.ravel(t, order="F"), lambda a: np.ravel(a, order="F"), A),
    "swapaxes": (lambda t: nd.swapaxes(t, 0, -1), lambda a: np.swapaxes(a, 0, -1), A),
    "moveaxis": (lambda t: nd.moveaxis(t, 0, -1), lambda a: np.moveaxis(a, 0, -1), A),
    "moveaxis many": (lambda t: nd.moveaxis(t, [0, 1], [-1, 0]), lambda a: np.moveaxis(a, [0, 1], [-1, 0]), A),
    "matrix_transpose": (nd.matrix_transpose, lambda a: np.swapaxes(a, -1, -2), A),
    "permute_dims": (lambda t: nd.permute_dims(t, (1, 2, 0)), lambda a: np.permute_dims(a, (1, 2, 0)), A),
    "squeeze all": (nd.squeeze, np.squeeze, A.reshape(2, 1, 12, 1)),
    "squeeze axis": (lambda t: nd.squeeze(t, -1), lambda a: np.squeeze(a, -1), A.reshape(2, 1, 12, 1)),
    "squeeze tuple": (lambda t: nd.squeeze(t, (1, 3)), lambda a: np.squeeze(a, (1, 3)), A.reshape(2, 1, 12, 1)),
    "expand_dims": (lambda t: nd.expand_dims(t, 1), lambda a: np.expand_dims(a, 1), A),
    "expand_dims tuple": (lambda t: nd.expand_dims(t, (0, -1)), lambda a: np.expand_dims(a, (0, -1)), A),
    "unsqueeze": (lambda t: nd.unsqueeze(t, -1), lambda a: a[..., None], V),
    "concatenate": (lambda t: nd.concatenate([t, 2 * t, t[:1]]), lambda a: np.concatenate([a, 2 * a, a[:1]]), M),
    "concatenate axis": (lambda t: nd.concatenate([t, t], axis=-1), lambda a: np.concatenate([a, a], -1), A),
    "concatenate None": (lambda t: nd.concatenate([t, t[0]], axis=None),
                         lambda a: np.concatenate([a, a[0]], axis=None), M),
    "concat": (lambda t: nd.concat([t, t], axis=1), lambda a: np.concat([a, a], axis=1), M),
    "concatenate 40": (lambda t: nd.concatenate([t] * 40), lambda a: np.concatenate([a] * 40), V),
    "stack": (lambda t: nd.stack([t, t + 1]), lambda a: np.stack([a, a + 1]), M),
    "stack axis": (lambda t: nd.stack([t, t + 1], axis=-1), lambda a: np.stack([a, a + 1], axis=-1), M),
    "unstack": (lambda t: nd.unstack(t, axis=1), lambda a: tuple(np.moveaxis(a, 1, 0)), A),
    "split sections": (lambda t: nd.split(t, 3), lambda a: np.split(a, 3), V),
    "split indices": (lambda t: nd.split(t, [1, 4, 9], axis=1), lambda a: np.split(a, [1, 4, 9], axis=1), M),
    "array_split": (lambda t: nd.array_split(t, 4), lambda a: np.array_split(a, 4), V),
    "array_split axis": (lambda t: nd.array_split(t, 3, axis=-1), lambda a: np.array_split(a, 3, axis=-1), M),
    "tile": (lambda t: nd.tile(t, 2), lambda a: np.tile(a, 2), M),
    "tile more axes": (lambda t: nd.tile(t, (2, 1, 3)), lambda a: np.tile(a, (2, 1, 3)), M),
    "tile fewer reps": (lambda t: nd.tile(t, (2, 1)), lambda a: np.tile(a, (2, 1)), A),
    "repeat": (lambda t: nd.repeat(t, 2), lambda a: np.repeat(a, 2), M),
    "repeat axis": (lambda t: nd.repeat(t, 3, axis=1), lambda a: np.repeat(a, 3, axis=1), A),
    "repeat counts": (lambda t: nd.repeat(t, [1, 0, 3, 1], axis=0), lambda a: np.repeat(a, [1, 0, 3, 1], axis=0), M),
    "flip": (nd.flip, np.flip, A),
    "flip axis": (lambda t: nd.flip(t, 1), lambda a: np.flip(a, 1), A),
    "flip axes": (lambda t: nd.flip(t, (0, 2)), lambda a: np.flip(a, (0, 2)), A),
    "roll": (lambda t: nd.roll(t, 2), lambda a: np.roll(a, 2), M),
    "roll axis": (lambda t: nd.roll(t, -1, axis=1), lambda a: np.roll(a, -1, axis=1), M),
    "roll axes": (lambda t: nd.roll(t, (1, 7), axis=(0, 2)), lambda a: np.roll(a, (1, 7), axis=(0, 2)), A),
    "pad int": (lambda t: nd.pad(t, 1), lambda a: np.pad(a, 1), M),
    "pad -0.0": (lambda t: nd.pad(t, 1, constant_values=-0.0), lambda a: np.pad(a, 1, constant_values=-0.0), M),
    "pad large": (lambda t: nd.pad(t, ((1, 2), (0, 3))), lambda a: np.pad(a, ((1, 2), (0, 3))), np.ones((130, 130))),
    "pad pairs": (lambda t: nd.pad(t, ((1, 0), (0, 2)), constant_values=((1, 2), (3, 4))),
                  lambda a: np.pad(a, ((1, 0), (0, 2)), constant_values=((1, 2), (3, 4))), M),
    "pad one pair": (lambda t: nd.pad(t, (2, 1), constant_values=-1.5),
                     lambda a: np.pad(a, (2, 1), constant_values=-1.5), A),
    "pad edge": (lambda t: nd.pad(t, ((0, 2), (1, 1)), mode="edge"), lambda a: np.pad(a, ((0, 2), (1, 1)), "edge"), M),
    "pad reflect": (lambda t: nd.pad(t, 2, mode="reflect"), lambda a: np.pad(a, 2, "reflect"), M),
    "pad symmetric": (lambda t: nd.pad(t, (1, 2), mode="symmetric"), lambda a: np.pad(a, (1, 2), "symmetric"), V),
    "pad wrap": (lambda t: nd.pad(t, 3, mode="wrap"), lambda a: np.pad(a, 3, "wrap"), V),
    "diagonal": (nd.diagonal, np.diagonal, M),
    "diagonal offset": (lambda t: nd.diagonal(t, 2), lambda a: np.diagonal(a, 2), M),
    "diagonal negative": (lambda t: nd.diagonal(t, -3), lambda a: np.diagonal(a, -3), M),
    "diagonal axes": (lambda t: nd.diagonal(t, 1, 2, 0), lambda a: np.diagonal(a, 1, 2, 0), A),
    "diagonal empty": (lambda t: nd.diagonal(t, 9), lambda a: np.diagonal(a, 9), M),
    "trace": (nd.trace, np.trace, M),
    "trace axes": (lambda t: nd.trace(t, -1, 1, 2), lambda a: np.trace(a, -1, 1, 2), A),
    "tril": (nd.tril, np.tril, M),
    "tril k": (lambda t: nd.tril(t, -1), lambda a: np.tril(a, -1), A),
    "tril vector": (nd.tril, np.tril, V),
    "triu": (nd.triu, np.triu, M),
    "triu k": (lambda t: nd.triu(t, 2), lambda a: np.triu(a, 2), A),
    "triu int": (nd.triu, np.triu, np.arange(9).reshape(3, 3)),
    "copy": (nd.copy, np.copy, M),
}


@pytest.mark.parametrize("name", VALUE_CASES)
def test_values_match_numpy(name):
    fn, np_fn, a = VALUE_CASES[name]
    expected = np_fn(a)
    out = fn(nd.tensor(a))
    _same(out, expected)
    if not isinstance(expected, (list, tuple)):
        assert out.dtype == expected.dtype


@pytest.mark.parametrize("name", VALUE_CASES)
def test_derivatives_match_finite_differences(name):
    fn, _, a = VALUE_CASES[name]
    if not np.issubdtype(np.asarray(a).dtype, np.floating):
        return
    small = a[..., :3] if a.ndim else a  # fewer entries: faster finite differences
    if name in ("concatenate None", "diagonal empty", "pad symmetric", "pad wrap", "roll axes", "split sections"):
        small = a
    assert gradcheck(lambda t: fn(t), small)


def test_float32_stays_float32():
    x = nd.tensor(M.astype(np.float32), requires_grad=True)
    outs = [nd.pad(x, 1), nd.tril(x), nd.tile(x, 2), nd.stack([x, x]), nd.trace(x), nd.roll(x, 1), nd.flip(x)]
    assert all(o.dtype == np.float32 for o in outs)
    sum(o.sum() for o in outs).backward()
    assert x.grad.dtype == np.float32


# ---------------------------------------------------------- PyTorch oracle


def test_gradients_match_torch():
    w = RNG.standard_normal((8, 5, 2))
    wt = torch.tensor(w)

    def ours(x):
        y = nd.stack([nd.tril(x), nd.roll(nd.flip(x, 0), 1, axis=1)], axis=-1)
        return nd.concatenate([y, nd.repeat(y[:1], 4, axis=0)])[:8] * w

    def theirs(x):
        y = torch.stack([torch.tril(x), torch.roll(torch.flip(x, [0]), 1, dims=1)], dim=-1)
        return torch.cat([y, torch.repeat_interleave(y[:1], 4, dim=0)])[:8] * wt

    x = nd.tensor(M, requires_grad=True)
    xt = torch.tensor(M, requires_grad=True)
    out, out_t = ours(x), theirs(xt)
    np.testing.assert_allclose(out.numpy(), out_t.detach().numpy())
    (out ** 2).sum().backward()
    (out_t ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())


def test_diagonal_and_trace_gradients_match_torch():
    x = nd.tensor(A, requires_grad=True)
    xt = torch.tensor(A, requires_grad=True)
    (nd.diagonal(x, 1, 1, 2) ** 2).sum().backward()
    (torch.diagonal(xt, 1, 1, 2) ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())


# --------------------------------------------------------- gradients by hand


def test_concatenate_routes_each_slice_of_the_gradient_back():
    a = nd.tensor([1.0, 2.0], requires_grad=True)
    b = nd.tensor([[3.0]], requires_grad=True)
    y = nd.concatenate([a[None, :], nd.tile(b, (1, 3))], axis=1)  # [[1, 2, 3, 3, 3]]
    (y * nd.tensor([[1.0, 2.0, 3.0, 4.0, 5.0]])).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(b.grad.numpy(), [[12.0]])


def test_concatenate_with_constants_and_mixed_dtypes():
    a = nd.tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    y = nd.concatenate([a, np.zeros(1), [5.0]])
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y.numpy(), [1.0, 1.0, 0.0, 5.0])
    (y * 3).sum().backward()
    assert a.grad.dtype == np.float32
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 3.0])


def test_concatenate_saves_no_values_so_inputs_may_change_later():
    a = nd.tensor([1.0, 2.0], requires_grad=True)
    y = nd.concatenate([a, -a, a])
    with nd.no_grad():
        a[0] = 7.0  # a version bump that concatenate's rules do not care about
    assert a._version == 1
    y.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 1.0])


def test_reshape_needs_only_the_shape_so_a_later_setitem_is_fine():
    a = nd.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = a.reshape(2, 2)
    with nd.no_grad():
        a[0] = 5.0
    (y * nd.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 2.0, 3.0, 4.0])


def test_numpy_integers_and_arrays_as_arguments():
    x = nd.tensor(V)
    assert x.reshape(np.int64(2), 3).shape == (2, 3)
    assert nd.expand_dims(x, np.int64(0)).shape == (1, 6)
    assert nd.tile(x, np.array([2, 1])).shape == (2, 6)
    assert [p.shape for p in nd.split(x, np.int64(2))] == [(3,), (3,)]
    np.testing.assert_array_equal(nd.roll(x, np.int64(1)).numpy(), np.roll(V, 1))


def test_repeat_and_tile_gradients_count_the_copies():
    x = nd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (nd.repeat(x, [2, 0, 3]).sum() + nd.tile(x, (2, 2)).sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0 + 4.0, 0.0 + 4.0, 3.0 + 4.0])


def test_trace_gradient_is_the_identity():
    x = nd.tensor(RNG.standard_normal((3, 3)), requires_grad=True)
    nd.trace(x).backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.eye(3))


def test_copy_is_independent_but_on_the_graph():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert not np.shares_memory(y.numpy(), x.numpy())
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


def test_second_derivative_through_stack_and_split():
    x = nd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    first, rest = nd.split(nd.stack([x, x * x]), [1])  # (1, 3) and (1, 3)
    y = (first * rest).sum()  # sum x^3
    (g,) = nd.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), 3 * x.numpy() ** 2)
    (h,) = nd.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), 6 * x.numpy())


def test_hessians_through_tile_repeat_pad_and_stack_match_torch():
    # One primitive each; their rules must differentiate again in both modes.
    x0 = np.array([[0.3, -1.2, 0.7], [1.1, 0.4, -0.5]])
    w = np.linspace(-1.0, 1.0, 60).reshape(2, 6, 5)
    f_nd = lambda x: (
        (nd.tile(x, (1, 2)) ** 3).sum() * nd.repeat(x, 2, axis=1).prod()
        + (nd.pad(x, 1) ** 2 * w[0, :4]).sum()
        + (nd.stack([x, x * x], axis=-1) ** 2).sum()
    )

    def f_t(x):
        wt = torch.tensor(w)
        return (
            (x.tile((1, 2)) ** 3).sum() * x.repeat_interleave(2, dim=1).prod()
            + (torch.nn.functional.pad(x, (1, 1, 1, 1)) ** 2 * wt[0, :4]).sum()
            + (torch.stack([x, x * x], dim=-1) ** 2).sum()
        )

    want = torch.autograd.functional.hessian(f_t, torch.tensor(x0)).numpy()
    np.testing.assert_allclose(nd.hessian(f_nd, nd.tensor(x0)).data, want, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(
        nd.hessian(f_nd, nd.tensor(x0), outer_jacobian_strategy="reverse-mode").data, want, rtol=1e-10, atol=1e-10
    )


def test_forward_mode_through_concatenate_of_two_seeded_tensors():
    from ndgrad.core.forward import new_level, seed, unseed

    level = new_level()
    a = seed(nd.tensor([1.0, 2.0]), np.array([1.0, 0.0]), level)
    b = seed(nd.tensor([[3.0]]), np.array([[5.0]]), level)
    _, t = unseed(nd.concatenate([a, b.reshape(1)]) * 2.0, level)
    np.testing.assert_array_equal(np.asarray(getattr(t, "data", t)), [2.0, 0.0, 10.0])


# ------------------------------------------------------------ tensor methods


def test_tensor_methods_forward_to_the_ops():
    x = nd.tensor(A)
    np.testing.assert_array_equal(x.mT.numpy(), np.swapaxes(A, -1, -2))
    np.testing.assert_array_equal(x.flatten().numpy(), A.flatten())
    np.testing.assert_array_equal(x.swapaxes(0, 2).numpy(), A.swapaxes(0, 2))
    np.testing.assert_array_equal(x.unsqueeze(1).squeeze(1).numpy(), A)
    np.testing.assert_array_equal(x.repeat(2, axis=0).numpy(), A.repeat(2, axis=0))
    np.testing.assert_array_equal(x.diagonal(0, 1, 2).numpy(), A.diagonal(0, 1, 2))
    np.testing.assert_array_equal(np.concatenate([x, x]).numpy(), np.concatenate([A, A]))


# ------------------------------------------------------------------ the seed


def test_seed_reshape_matrix_to_column():
    matrix = nd.tensor(np.array([[1, 2], [3, 4]]))
    _same(matrix.reshape(4, 1), np.array([[1, 2], [3, 4]]).reshape(4, 1))


def test_seed_reshape_vector_to_3x2_and_its_gradient():
    tensor = nd.tensor(np.array([1.0, 2, 3, 4, 5, 6]), requires_grad=True)
    reshaped = tensor.reshape(3, 2)
    _same(reshaped, np.array([1.0, 2, 3, 4, 5, 6]).reshape(3, 2))
    (reshaped * np.array([[1.0, 2], [3, 4], [5, 6]])).sum().backward()
    np.testing.assert_array_equal(tensor.grad.numpy(), [1, 2, 3, 4, 5, 6])


# ------------------------------------------------------------------- errors


def test_squeeze_of_a_non_unit_axis_says_which():
    with pytest.raises(ShapeError, match=r"squeeze: axis 1 has size 3.*\(2, 3, 4\)"):
        nd.squeeze(nd.tensor(A), 1)


def test_concatenate_mismatch_names_axis_and_shapes():
    with pytest.raises(ShapeError, match=r"joined axis 0.*\(4, 5\).*\(4, 4\).*differ in axis 1"):
        nd.concatenate([nd.tensor(M), nd.tensor(M[:, :4])])
    with pytest.raises(ShapeError, match="same number of axes"):
        nd.concatenate([nd.tensor(M), nd.tensor(V)])
    with pytest.raises(ShapeError, match="0-d"):
        nd.concatenate([nd.tensor(1.0), nd.tensor(2.0)])


def test_stack_mismatch_and_split_remainder():
    with pytest.raises(ShapeError, match=r"same shape.*\(4, 5\).*\(4, 4\)"):
        nd.stack([nd.tensor(M), nd.tensor(M[:, :4])])
    with pytest.raises(ShapeError, match="array_split"):
        nd.split(nd.tensor(V), 4)


def test_other_errors():
    with pytest.raises(ShapeError, match="matrix_transpose: needs at least 2 axes"):
        nd.matrix_transpose(nd.tensor(V))
    with pytest.raises(ShapeError, match="out of bounds"):
        nd.swapaxes(nd.tensor(M), 0, 2)
    with pytest.raises(ShapeError, match="axis1 and axis2 must differ"):
        nd.diagonal(nd.tensor(M), 0, 1, -1)
    with pytest.raises(ShapeError, match="trace: axis1 and axis2 must differ"):
        nd.trace(nd.tensor(M), 0, 0, -2)
    with pytest.raises(ShapeError, match=r"trace: needs at least 2 axes, got shape \(6,\)"):
        nd.trace(nd.tensor(V))
    with pytest.raises(ValueError, match="pad_width"):
        nd.pad(nd.tensor(A), ((1, 1), (2, 2)))
    with pytest.raises(ValueError, match="mode"):
        nd.pad(nd.tensor(A), 1, mode="median")
    with pytest.raises(ValueError, match="negative"):
        nd.repeat(nd.tensor(V), -1)
    with pytest.raises(ShapeError, match="one count per element"):
        nd.repeat(nd.tensor(V), [1, 2])


SCALARS = [np.float64(2.5), np.array(3.0, np.float32), np.array(1 + 2j), np.bool_(True)]


@pytest.mark.parametrize(
    "value, shape",
    [(v, s) for v in SCALARS for s in [(), (3,), (2, 3), (0, 3)]]
    + [(np.arange(3.0), (2, 3)), (np.ones((2, 1)), (2, 4))],
)
def test_backend_broadcast_to_equals_numpys(value, shape):
    from ndgrad import backend

    view = backend.broadcast_to(value, shape)
    expected = np.broadcast_to(value, shape)
    assert view.shape == expected.shape and view.dtype == expected.dtype
    np.testing.assert_array_equal(view, expected)
    assert not view.flags.writeable  # a view, as NumPy's is: writing to it would write every element


def test_backend_broadcast_to_refuses_what_numpy_refuses():
    from ndgrad import backend

    with pytest.raises(ValueError):
        backend.broadcast_to(np.float64(1.0), (-1, 2))
    with pytest.raises(ValueError):
        backend.broadcast_to(np.arange(3.0), (2,))
