"""The Tensor as a NumPy and PyTorch user expects it: creation, attributes,
conversions, repr, dtypes, operators and spellings.  NumPy is the oracle for
values and dtypes."""

import operator

import numpy as np
import pytest

import ndgrad as nd


def arr(t):
    return np.asarray(t)


# ------------------------------------------------------------------ creation


@pytest.mark.parametrize(
    "data,dtype",
    [
        (5.0, np.float64),
        (5, np.int64),
        (True, np.bool_),
        ([1.0, 2.0, 3.0], np.float64),
        ([1, 2, 3], np.int64),
        ([1, 2.5], np.float64),
        ([[1, 2], [3, 4]], np.int64),
        ([[[1.0], [2.0]], [[3.0], [4.0]]], np.float64),
        (np.float32(1.5), np.float32),
        (np.array([1, 2], dtype=np.int8), np.int8),
    ],
)
def test_tensor_from_python_data_follows_numpy(data, dtype):
    t = nd.tensor(data)
    expected = np.asarray(data)
    assert t.dtype == dtype == expected.dtype
    assert t.shape == expected.shape
    np.testing.assert_array_equal(arr(t), expected)
    assert t.is_leaf and not t.requires_grad and t.grad is None


def test_tensor_with_explicit_dtype():
    t = nd.tensor([1, 2], dtype=np.float32)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(arr(t), [1.0, 2.0])


def test_tensor_from_ndarray_does_not_copy():
    a = np.arange(6.0).reshape(2, 3)
    t = nd.tensor(a)
    assert np.shares_memory(t.data, a)
    assert np.shares_memory(nd.tensor(a, dtype=np.float64).data, a)


def test_tensor_from_ndarray_copies_when_numpy_would():
    a = np.arange(6.0)
    t = nd.tensor(a, dtype=np.float32)
    assert t.dtype == np.float32
    assert not np.shares_memory(t.data, a)


def test_tensor_from_tensor_is_a_new_leaf():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    t = nd.tensor(y)
    assert t.is_leaf and not t.requires_grad
    np.testing.assert_array_equal(arr(t), [2.0, 4.0])
    u = nd.tensor(x, requires_grad=True)
    assert u.requires_grad and u.is_leaf and u is not x


def test_tensor_from_ragged_list_is_an_error():
    with pytest.raises(ValueError):
        nd.tensor([[1, 2], [3]])


@pytest.mark.parametrize("make", [nd.zeros, nd.ones, nd.empty])
def test_zeros_ones_empty_take_shape_as_tuple_or_varargs(make):
    assert make((2, 3)).shape == (2, 3)
    assert make(2, 3).shape == (2, 3)
    assert make(4).shape == (4,)
    assert make(()).shape == ()
    assert make((2,)).dtype == np.float64
    assert make((2,), dtype=np.float32).dtype == np.float32
    assert make((2,), dtype=np.int32).dtype == np.int32


def test_zeros_ones_full_values():
    np.testing.assert_array_equal(arr(nd.zeros((2, 2))), np.zeros((2, 2)))
    np.testing.assert_array_equal(arr(nd.ones(3)), np.ones(3))
    full = nd.full((2, 3), 7.5)
    np.testing.assert_array_equal(arr(full), np.full((2, 3), 7.5))
    assert nd.full((2,), 7).dtype == np.full((2,), 7).dtype


def test_creation_with_requires_grad():
    w = nd.zeros((2, 2), requires_grad=True)
    assert w.requires_grad and w.is_leaf
    (w + 1).sum().backward()
    np.testing.assert_array_equal(arr(w.grad), np.ones((2, 2)))


@pytest.mark.parametrize(
    "args",
    [(5,), (2, 8), (1, 2, 0.25), (0.0, 1.0, 0.3), (10, 0, -3)],
)
def test_arange_matches_numpy(args):
    t = nd.arange(*args)
    expected = np.arange(*args)
    assert t.dtype == expected.dtype
    np.testing.assert_array_equal(arr(t), expected)


def test_linspace_matches_numpy():
    np.testing.assert_array_equal(arr(nd.linspace(-2, 2, 100)), np.linspace(-2, 2, 100))
    np.testing.assert_array_equal(arr(nd.linspace(0, 1, 4, endpoint=False)), np.linspace(0, 1, 4, endpoint=False))
    assert nd.linspace(0, 1, 3, dtype=np.float32).dtype == np.float32


def test_eye_matches_numpy():
    np.testing.assert_array_equal(arr(nd.eye(3)), np.eye(3))
    np.testing.assert_array_equal(arr(nd.eye(2, 4, k=1)), np.eye(2, 4, k=1))


def test_meshgrid_defaults_to_xy_indexing_like_numpy():
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([10.0, 20.0])
    X, Y = nd.meshgrid(nd.tensor(x), nd.tensor(y))
    X_np, Y_np = np.meshgrid(x, y)
    assert X.shape == (2, 3)
    np.testing.assert_array_equal(arr(X), X_np)
    np.testing.assert_array_equal(arr(Y), Y_np)


def test_meshgrid_ij_indexing_and_three_inputs():
    a, b, c = np.arange(2.0), np.arange(3.0), np.arange(4.0)
    for indexing in ("ij", "xy"):
        grids = nd.meshgrid(nd.tensor(a), nd.tensor(b), nd.tensor(c), indexing=indexing)
        for got, expected in zip(grids, np.meshgrid(a, b, c, indexing=indexing), strict=True):
            assert got.shape == expected.shape
            np.testing.assert_array_equal(arr(got), expected)


def test_like_constructors_follow_the_template():
    template = nd.tensor([[1.0, 2.0, 3.0]], dtype=np.float32)
    for made, value in [
        (nd.zeros_like(template), 0.0),
        (nd.ones_like(template), 1.0),
        (nd.full_like(template, 4.0), 4.0),
    ]:
        assert made.shape == (1, 3) and made.dtype == np.float32
        np.testing.assert_array_equal(arr(made), np.full((1, 3), value))
    assert nd.empty_like(template).shape == (1, 3)
    assert nd.zeros_like(nd.tensor([1, 2])).dtype == np.int64
    assert nd.ones_like(template, dtype=np.float64).dtype == np.float64


def test_random_normal_is_reproducible_with_a_seed():
    nd.random.seed(123)
    a = nd.random.normal(size=(3, 4))
    nd.random.seed(123)
    b = nd.random.normal(size=(3, 4))
    assert a.shape == (3, 4) and a.dtype == np.float64
    np.testing.assert_array_equal(arr(a), arr(b))
    c = nd.random.normal(size=(3, 4))
    assert not np.array_equal(arr(a), arr(c))


def test_random_uniform_is_reproducible_and_in_range():
    nd.random.seed(7)
    a = nd.random.uniform(-2.0, 3.0, size=(1000,))
    nd.random.seed(7)
    b = nd.random.uniform(-2.0, 3.0, size=(1000,))
    np.testing.assert_array_equal(arr(a), arr(b))
    assert arr(a).min() >= -2.0 and arr(a).max() < 3.0
    assert abs(arr(a).mean() - 0.5) < 0.2  # mean of U(-2, 3) is 0.5; sd of the mean ~0.05


def test_random_normal_has_the_requested_moments():
    nd.random.seed(0)
    samples = arr(nd.random.normal(loc=3.0, scale=2.0, size=(20_000,)))
    assert abs(samples.mean() - 3.0) < 0.1  # sd of the mean ~0.014
    assert abs(samples.std() - 2.0) < 0.1


def test_random_generators_are_independent_streams():
    a = nd.random.default_rng(5).normal(size=3)
    nd.random.seed(99)
    b = nd.random.default_rng(5).normal(size=3)
    np.testing.assert_array_equal(arr(a), arr(b))


def test_random_dtype_and_requires_grad():
    w = nd.random.normal(size=(2,), dtype=np.float32, requires_grad=True)
    assert w.dtype == np.float32 and w.requires_grad and w.is_leaf
    assert nd.random.randn(2, 3).shape == (2, 3)
    assert nd.random.rand(4).shape == (4,)


# ---------------------------------------------------------------- attributes


def test_shape_ndim_size_dtype():
    t = nd.zeros((3, 2, 4), dtype=np.float32)
    assert t.shape == (3, 2, 4)
    assert isinstance(t.shape, tuple)
    assert t.ndim == 3
    assert t.size == 24
    assert t.dtype == np.float32


def test_T_reverses_axes_like_numpy():
    a = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(arr(nd.tensor(a).T), a.T)
    np.testing.assert_array_equal(arr(nd.tensor([[1, 2, 3]]).T), [[1], [2], [3]])
    assert nd.tensor([1.0, 2.0]).T.shape == (2,)


def test_mT_swaps_the_last_two_axes():
    a = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(arr(nd.tensor(a).mT), np.swapaxes(a, -1, -2))


def test_T_is_differentiable():
    x = nd.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    (x.T * nd.tensor([[1.0], [2.0], [3.0]])).sum().backward()
    np.testing.assert_array_equal(arr(x.grad), [[1.0, 2.0, 3.0]])


def test_requires_grad_and_is_leaf():
    x = nd.tensor([1.0], requires_grad=True)
    y = x * 2
    c = nd.tensor([1.0])
    assert x.requires_grad and x.is_leaf and x.grad is None
    assert y.requires_grad and not y.is_leaf
    assert not c.requires_grad and c.is_leaf
    assert c.requires_grad_() is c and c.requires_grad


def test_requires_grad_attribute_can_be_set_on_a_float_leaf():
    w = nd.tensor([1.0, 2.0])
    w.requires_grad = True
    (w * w).sum().backward()
    np.testing.assert_array_equal(arr(w.grad), [2.0, 4.0])


# --------------------------------------------------------------- conversions


def test_np_asarray_and_numpy_give_the_values():
    t = nd.tensor([[1.5, 2.5]], requires_grad=True)
    for a in (np.asarray(t), t.numpy(), np.array(t)):
        assert isinstance(a, np.ndarray)
        assert a.dtype == np.float64
        np.testing.assert_array_equal(a, [[1.5, 2.5]])


def test_numpy_of_a_0d_result_is_an_array():
    s = (nd.tensor([1.0, 2.0]) * 2).sum()
    a = s.numpy()
    assert isinstance(a, np.ndarray) and a.shape == () and a == 6.0


def test_np_array_with_dtype_converts():
    t = nd.tensor([1.0, 2.0])
    a = np.asarray(t, dtype=np.float32)
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a, [1.0, 2.0])


def test_item_float_int_bool():
    assert nd.tensor(2.5).item() == 2.5
    assert isinstance(nd.tensor(2.5).item(), float)
    assert isinstance(nd.tensor(3).item(), int)
    assert nd.tensor([[7.0]]).item() == 7.0
    assert float(nd.tensor(2.5)) == 2.5
    assert int(nd.tensor(3)) == 3
    assert bool(nd.tensor(1.0)) is True and bool(nd.tensor(0.0)) is False
    assert float(nd.tensor(3.0, requires_grad=True) * 2) == 6.0


def test_tolist_matches_numpy():
    data = [[1, 2, 3], [4, 5, 6]]
    assert nd.tensor(data).tolist() == data
    assert nd.tensor(2.0).tolist() == 2.0


def test_len_and_iteration_over_the_first_axis():
    t = nd.tensor([[1, 2], [3, 4], [5, 6]])
    assert len(t) == 3
    rows = list(t)
    assert len(rows) == 3
    assert all(isinstance(r, nd.Tensor) for r in rows)
    assert [r.tolist() for r in rows] == [[1, 2], [3, 4], [5, 6]]


def test_iteration_is_differentiable():
    x = nd.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    total = nd.tensor(0.0)
    for i, row in enumerate(x):
        total = total + (i + 1) * row.sum()
    total.backward()
    np.testing.assert_array_equal(arr(x.grad), [[1.0, 1.0], [2.0, 2.0]])


def test_len_and_iteration_of_a_scalar_are_type_errors():
    s = nd.tensor(1.0)
    with pytest.raises(TypeError):
        len(s)
    with pytest.raises(TypeError):
        iter(s)


# ---------------------------------------------------------------------- repr


@pytest.mark.parametrize(
    "make,expected",
    [
        (lambda: nd.tensor([[1.0, 2.0]], requires_grad=True), "tensor([[1., 2.]], requires_grad=True)"),
        (lambda: nd.tensor(8.0), "tensor(8.)"),
        (lambda: nd.tensor([1, 2, 3]), "tensor([1, 2, 3])"),
        (lambda: nd.tensor([True, False]), "tensor([ True, False])"),
        (lambda: nd.tensor([1.5, 2.0], dtype=np.float32), "tensor([1.5, 2. ], dtype=float32)"),
        (lambda: nd.tensor([[1, 2], [3, 4]]), "tensor([[1, 2],\n        [3, 4]])"),
    ],
)
def test_repr_like_pytorch(make, expected):
    assert repr(make()) == expected


def test_repr_of_a_result_names_its_operation():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    text = repr(x * 2)
    assert text.startswith("tensor([2., 4.], grad_fn=")
    assert "mul" in text


# --------------------------------------------------------------------- dtypes


def test_python_floats_give_float64_and_ints_stay_ints():
    i = nd.tensor([1, 2, 3])
    assert (i + 1).dtype == np.int64
    assert (i * 2).dtype == np.int64
    assert (i // 2).dtype == np.int64
    assert (i % 2).dtype == np.int64
    assert (i**2).dtype == np.int64
    assert (i + 1.5).dtype == np.float64
    assert (i / 2).dtype == np.float64  # true division, as in NumPy
    assert nd.tensor(1.0).dtype == np.float64


F32_OPERATIONS = [
    ("x + 1.5", lambda x: x + 1.5),
    ("1.5 + x", lambda x: 1.5 + x),
    ("x - 1", lambda x: x - 1),
    ("2.0 - x", lambda x: 2.0 - x),
    ("x * 2.5", lambda x: x * 2.5),
    ("x / 3", lambda x: x / 3),
    ("3 / x", lambda x: 3 / x),
    ("x ** 2", lambda x: x**2),
    ("x ** 0.5", lambda x: x**0.5),
    ("2.0 ** x", lambda x: 2.0**x),
    ("x // 0.5", lambda x: x // 0.5),
    ("x % 0.75", lambda x: x % 0.75),
    ("-x", lambda x: -x),
    ("abs(x)", lambda x: abs(x)),
    ("x * np.float32", lambda x: x * np.float32(2)),
    ("exp", nd.exp),
    ("log", nd.log),
    ("sqrt", nd.sqrt),
    ("sin", nd.sin),
    ("tanh", nd.tanh),
    ("sigmoid", nd.sigmoid),
    ("relu", nd.relu),
    ("softplus", nd.softplus),
    ("maximum with 1.0", lambda x: nd.maximum(x, 1.0)),
    ("clip", lambda x: nd.clip(x, 0.5, 1.5)),
    ("where with 0.5", lambda x: nd.where(x > 1, x, 0.5)),
    ("sum", lambda x: x.sum()),
    ("mean", lambda x: x.mean()),
    ("max", lambda x: x.max()),
    ("var", lambda x: x.var()),
    ("norm", lambda x: nd.norm(x)),
    ("softmax", lambda x: nd.softmax(x)),
    ("logsumexp", lambda x: nd.logsumexp(x)),
    ("reshape", lambda x: x.reshape(2, 1)),
]


@pytest.mark.parametrize("name,op", F32_OPERATIONS, ids=[n for n, _ in F32_OPERATIONS])
def test_float32_stays_float32(name, op):
    x = nd.tensor([0.5, 2.0], dtype=np.float32, requires_grad=True)
    y = op(x)
    assert y.dtype == np.float32, f"{name} gave {y.dtype}"
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_float32_matmul_stays_float32():
    a = nd.tensor(np.ones((2, 3)), dtype=np.float32)
    b = nd.tensor(np.ones((3, 2)), dtype=np.float32)
    assert (a @ b).dtype == np.float32


def test_float32_with_float64_array_promotes_like_numpy():
    x = nd.tensor([1.0], dtype=np.float32)
    assert (x + np.array([1.0])).dtype == np.float64
    assert (x + nd.tensor([1.0])).dtype == np.float64


def test_int_and_float_tensors_promote_like_numpy():
    i = nd.tensor([1, 2], dtype=np.int32)
    f = nd.tensor([0.5, 0.5], dtype=np.float32)
    assert (i + f).dtype == (np.array([1, 2], dtype=np.int32) + np.array([0.5], dtype=np.float32)).dtype


@pytest.mark.parametrize(
    "make",
    [
        lambda: nd.tensor([1, 2], requires_grad=True),
        lambda: nd.tensor([True], requires_grad=True),
        lambda: nd.zeros((2,), dtype=np.int64, requires_grad=True),
        lambda: nd.arange(3, requires_grad=True),
        lambda: nd.tensor([1, 2]).requires_grad_(),
    ],
)
def test_requires_grad_on_integer_or_bool_is_a_type_error(make):
    with pytest.raises(TypeError, match="float"):
        make()


def test_setting_requires_grad_attribute_on_an_int_tensor_is_a_type_error():
    t = nd.tensor([1, 2])
    with pytest.raises(TypeError, match="float"):
        t.requires_grad = True
    assert not t.requires_grad


# ------------------------------------------------------------------ operators

BINARY = [
    ("+", operator.add),
    ("-", operator.sub),
    ("*", operator.mul),
    ("/", operator.truediv),
    ("//", operator.floordiv),
    ("%", operator.mod),
    ("**", operator.pow),
]

LEFT = np.array([[1.5, 2.0, 3.25], [4.0, 0.5, 7.0]])
RIGHT = np.array([0.5, 1.25, 2.0])


@pytest.mark.parametrize("name,op", BINARY, ids=[n for n, _ in BINARY])
@pytest.mark.parametrize(
    "left,right",
    [
        ("tensor", "tensor"),
        ("tensor", "scalar"),
        ("scalar", "tensor"),
        ("tensor", "ndarray"),
        ("ndarray", "tensor"),
        ("tensor", "np_scalar"),
        ("np_scalar", "tensor"),
    ],
)
def test_binary_operators_match_numpy(name, op, left, right):
    def operand(kind, values, scalar):
        return {
            "tensor": lambda: nd.tensor(values),
            "ndarray": lambda: values,
            "scalar": lambda: scalar,
            "np_scalar": lambda: np.float64(scalar),
        }[kind]()

    a = operand(left, LEFT, 1.75)
    b = operand(right, RIGHT, 1.75)
    result = op(a, b)
    assert isinstance(result, nd.Tensor), f"{type(a).__name__} {name} {type(b).__name__} gave {type(result)}"
    expected = op(arr(a) if isinstance(a, nd.Tensor) else a, arr(b) if isinstance(b, nd.Tensor) else b)
    assert result.shape == np.shape(expected)
    np.testing.assert_allclose(arr(result), expected, rtol=1e-15)


@pytest.mark.parametrize("name,op", BINARY, ids=[n for n, _ in BINARY])
def test_integer_operators_match_numpy(name, op):
    a = np.array([7, -3, 8])
    b = np.array([2, 5, 3])
    result = op(nd.tensor(a), nd.tensor(b))
    expected = op(a, b)
    assert result.dtype == expected.dtype
    np.testing.assert_array_equal(arr(result), expected)


def test_unary_operators():
    a = np.array([-1.5, 0.0, 2.0])
    t = nd.tensor(a)
    np.testing.assert_array_equal(arr(-t), -a)
    np.testing.assert_array_equal(arr(+t), a)
    np.testing.assert_array_equal(arr(abs(t)), np.abs(a))


def test_arithmetic_with_ndarray_on_the_left_keeps_the_graph():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([3.0, 4.0]) * x + np.array([1.0, 1.0])
    assert isinstance(y, nd.Tensor) and y.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(arr(x.grad), [3.0, 4.0])


def test_numpy_functions_on_tensors_keep_the_graph():
    x = nd.tensor([0.5, 1.0], requires_grad=True)
    y = np.sum(np.sin(x) * x)
    assert isinstance(y, nd.Tensor) and y.requires_grad
    y.backward()
    expected = np.cos([0.5, 1.0]) * np.array([0.5, 1.0]) + np.sin([0.5, 1.0])
    np.testing.assert_allclose(arr(x.grad), expected, rtol=1e-12)


def test_operator_gradients():
    x = nd.tensor([1.5, 2.0], requires_grad=True)
    y = nd.tensor([0.5, 3.0], requires_grad=True)
    (x / y + x**y - 2 * x * y).sum().backward()
    xv, yv = np.array([1.5, 2.0]), np.array([0.5, 3.0])
    np.testing.assert_allclose(arr(x.grad), 1 / yv + yv * xv ** (yv - 1) - 2 * yv, rtol=1e-12)
    np.testing.assert_allclose(arr(y.grad), -xv / yv**2 + np.log(xv) * xv**yv - 2 * xv, rtol=1e-12)


# -------------------------------------------------------- comparisons, logic


COMPARISONS = [operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge]


@pytest.mark.parametrize("op", COMPARISONS, ids=lambda op: op.__name__)
def test_comparisons_give_bool_tensors(op):
    x = nd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for other in (2.0, np.array([3.0, 2.0, 1.0]), nd.tensor([3.0, 2.0, 1.0])):
        result = op(x, other)
        assert isinstance(result, nd.Tensor)
        assert result.dtype == np.bool_
        assert not result.requires_grad
        np.testing.assert_array_equal(arr(result), op(np.array([1.0, 2.0, 3.0]), arr(other)))


def test_comparison_with_ndarray_on_the_left_gives_a_tensor():
    result = np.array([1.0, 5.0]) > nd.tensor([2.0, 2.0])
    assert isinstance(result, nd.Tensor)
    np.testing.assert_array_equal(arr(result), [False, True])


def test_logical_operators_on_bool_tensors():
    a = nd.tensor([True, True, False, False])
    b = nd.tensor([True, False, True, False])
    np.testing.assert_array_equal(arr(a & b), [True, False, False, False])
    np.testing.assert_array_equal(arr(a | b), [True, True, True, False])
    np.testing.assert_array_equal(arr(a ^ b), [False, True, True, False])
    np.testing.assert_array_equal(arr(~a), [False, False, True, True])
    assert (a & b).dtype == np.bool_


def test_bitwise_operators_on_int_tensors():
    a, b = np.array([12, 10]), np.array([10, 6])
    np.testing.assert_array_equal(arr(nd.tensor(a) & nd.tensor(b)), a & b)
    np.testing.assert_array_equal(arr(nd.tensor(a) | nd.tensor(b)), a | b)
    np.testing.assert_array_equal(arr(~nd.tensor(a)), ~a)


def test_masks_combine_comparisons():
    x = nd.tensor([0.5, 1.5, 2.5])
    mask = (x > 1) & (x < 2)
    np.testing.assert_array_equal(arr(mask), [False, True, False])
    np.testing.assert_array_equal(arr(nd.logical_not(mask)), [True, False, True])


# -------------------------------------------------- NumPy / array-API names


@pytest.mark.parametrize(
    "numpy_name,array_api_name",
    [
        ("concatenate", "concat"),
        ("transpose", "permute_dims"),
        ("power", "pow"),
        ("arcsin", "asin"),
        ("arccos", "acos"),
        ("arctan", "atan"),
        ("arctan2", "atan2"),
        ("arcsinh", "asinh"),
        ("arccosh", "acosh"),
        ("arctanh", "atanh"),
        ("absolute", "abs"),
        ("invert", "bitwise_invert"),
        ("left_shift", "bitwise_left_shift"),
        ("right_shift", "bitwise_right_shift"),
    ],
)
def test_numpy_and_array_api_spellings_both_exist(numpy_name, array_api_name):
    assert callable(getattr(nd, numpy_name)), numpy_name
    assert callable(getattr(nd, array_api_name)), array_api_name


def test_concatenate_and_concat_agree_with_numpy():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(3.0).reshape(1, 3)
    expected = np.concatenate([a, b], axis=0)
    np.testing.assert_array_equal(arr(nd.concatenate([nd.tensor(a), nd.tensor(b)], axis=0)), expected)
    np.testing.assert_array_equal(arr(nd.concat([nd.tensor(a), nd.tensor(b)], axis=0)), expected)


def test_transpose_and_permute_dims_agree_with_numpy():
    a = np.arange(24.0).reshape(2, 3, 4)
    expected = np.transpose(a, (1, 2, 0))
    np.testing.assert_array_equal(arr(nd.transpose(nd.tensor(a), (1, 2, 0))), expected)
    np.testing.assert_array_equal(arr(nd.permute_dims(nd.tensor(a), (1, 2, 0))), expected)
    np.testing.assert_array_equal(arr(nd.tensor(a).transpose(1, 2, 0)), expected)
    np.testing.assert_array_equal(arr(nd.tensor(a).permute(1, 2, 0)), expected)


def test_power_and_pow_agree_with_numpy():
    a, b = np.array([1.5, 2.0]), np.array([2.0, 0.5])
    np.testing.assert_allclose(arr(nd.power(nd.tensor(a), nd.tensor(b))), np.power(a, b), rtol=1e-15)
    np.testing.assert_allclose(arr(nd.pow(nd.tensor(a), 3)), a**3, rtol=1e-15)
    np.testing.assert_allclose(arr(nd.tensor(a).pow(2)), a**2, rtol=1e-15)


@pytest.mark.parametrize(
    "name",
    ["exp", "log", "log2", "log10", "log1p", "expm1", "sqrt", "square", "reciprocal", "sin", "cos", "tan",
     "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arctanh", "sign", "floor", "ceil",
     "round", "absolute", "negative"],
)
def test_unary_functions_match_numpy(name):
    a = np.array([0.1, 0.45, 0.9])
    np.testing.assert_allclose(arr(getattr(nd, name)(nd.tensor(a))), getattr(np, name)(a), rtol=1e-14)


def test_arccosh_matches_numpy():
    a = np.array([1.5, 2.0, 10.0])
    np.testing.assert_allclose(arr(nd.arccosh(nd.tensor(a))), np.arccosh(a), rtol=1e-14)


@pytest.mark.parametrize("name", ["maximum", "minimum", "arctan2", "logaddexp", "hypot"])
def test_binary_functions_match_numpy(name):
    a, b = np.array([[0.5, -1.0, 2.0]]), np.array([[1.0], [-0.5]])
    np.testing.assert_allclose(arr(getattr(nd, name)(nd.tensor(a), nd.tensor(b))), getattr(np, name)(a, b), rtol=1e-14)


def test_sigmoid_relu_softplus_values():
    a = np.array([-60.0, -30.0, -1.0, 0.0, 2.0, 40.0])
    t = nd.tensor(a)
    np.testing.assert_allclose(arr(nd.sigmoid(t)), 1 / (1 + np.exp(-a)), rtol=1e-14)
    np.testing.assert_array_equal(arr(nd.relu(t)), np.maximum(a, 0))
    np.testing.assert_allclose(arr(nd.softplus(t)), np.logaddexp(a, 0), rtol=1e-14)


def test_log_of_sigmoid_keeps_relative_precision_for_very_negative_inputs():
    # log(sigmoid(x)) = -softplus(-x), about x for x << 0
    x = nd.tensor([-40.0, -100.0, -700.0])
    np.testing.assert_allclose(arr(nd.log(nd.sigmoid(x))), [-40.0, -100.0, -700.0], rtol=1e-12)


def test_where_and_clip_match_numpy():
    a = np.array([-2.0, 0.5, 3.0])
    t = nd.tensor(a)
    np.testing.assert_array_equal(arr(nd.where(t > 0, t, 0.0)), np.where(a > 0, a, 0.0))
    np.testing.assert_array_equal(arr(nd.clip(t, -1, 1)), np.clip(a, -1, 1))
    np.testing.assert_array_equal(arr(t.clip(-1, 1)), np.clip(a, -1, 1))
