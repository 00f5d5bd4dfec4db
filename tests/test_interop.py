"""NumPy protocols: NumPy functions on tensors give the same values and gradients as ndgrad's own."""

import numpy as np
import pytest

import ndgrad as nd
from ndgrad.interop import NotDifferentiableError

RNG = np.random.default_rng(3)
A0 = RNG.normal(size=(3, 4))
B0 = RNG.normal(size=(4, 2))
C0 = RNG.normal(size=(3, 4))
SQ0 = RNG.normal(size=(3, 3)) + 3 * np.eye(3)

# (numpy call, the same computation written with ndgrad, inputs that require grad)
CASES = {
    "sin": (lambda a: np.sin(a), lambda a: nd.sin(a), [A0]),
    "add tensor+array": (lambda a: np.add(a, C0), lambda a: nd.add(a, C0), [A0]),
    "add array+tensor": (lambda a: np.add(C0, a), lambda a: nd.add(C0, a), [A0]),
    "array operator": (lambda a: C0 * a - C0, lambda a: nd.subtract(nd.multiply(C0, a), C0), [A0]),
    "sum": (lambda a: np.sum(a, axis=1, keepdims=True), lambda a: nd.sum(a, axis=1, keepdims=True), [A0]),
    "mean": (lambda a: np.mean(a), lambda a: nd.mean(a), [A0]),
    "einsum": (lambda a, b: np.einsum("ij,jk->ik", a, b), lambda a, b: nd.einsum("ij,jk->ik", a, b), [A0, B0]),
    "einsum with array": (lambda a: np.einsum("ij,jk->ik", a, B0), lambda a: nd.einsum("ij,jk->ik", a, B0), [A0]),
    "matmul": (lambda a, b: np.matmul(a, b), lambda a, b: nd.matmul(a, b), [A0, B0]),
    "reshape": (lambda a: np.reshape(a, (2, 6)), lambda a: nd.reshape(a, (2, 6)), [A0]),
    "concatenate": (lambda a, c: np.concatenate([a, C0, c], axis=1), lambda a, c: nd.concatenate([a, C0, c], 1),
                    [A0, C0]),
    "maximum": (lambda a, c: np.maximum(a, c), lambda a, c: nd.maximum(a, c), [A0, C0]),
    "where": (lambda a: np.where(A0 > 0, a, 0.0), lambda a: nd.where(A0 > 0, a, 0.0), [A0]),
    "transpose": (lambda a: np.transpose(a) @ C0, lambda a: nd.transpose(a) @ C0, [A0]),
    "add.reduce": (lambda a: np.add.reduce(a, axis=1), lambda a: nd.sum(a, axis=1), [A0]),
    "maximum.reduce": (lambda a: np.maximum.reduce(a), lambda a: nd.max(a, axis=0), [A0]),
    "multiply.accumulate": (lambda a: np.multiply.accumulate(a, axis=1), lambda a: nd.cumprod(a, axis=1), [A0]),
    "subtract.outer": (lambda a, c: np.subtract.outer(a[0], c[1]),
                       lambda a, c: nd.reshape(a[0], (4, 1)) - c[1], [A0, C0]),
    "degrees": (lambda a: np.degrees(a), lambda a: a * (180 / np.pi), [A0]),
    "fmax": (lambda a, c: np.fmax(a, c), lambda a, c: nd.maximum(a, c), [A0, C0]),
    "linalg.inv": (lambda s: np.linalg.inv(s), lambda s: nd.linalg.inv(s), [SQ0]),
    "linalg.norm": (lambda a: np.linalg.norm(a, axis=0), lambda a: nd.linalg.norm(a, axis=0), [A0]),
    "linalg.eigh": (lambda s: np.linalg.eigh(s @ s.T).eigenvalues, lambda s: nd.linalg.eigvalsh(s @ s.T), [SQ0]),
    "fft.rfft": (lambda a: np.real(np.fft.rfft(a, n=6)), lambda a: nd.fft.real(nd.fft.rfft(a, n=6)), [A0]),
    "abs of conj": (lambda a: np.abs(np.conj(a)), lambda a: nd.absolute(a), [A0]),
}


def _value_and_grads(fn, arrays):
    xs = [nd.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*xs)
    assert isinstance(out, nd.Tensor), f"got {type(out).__name__}, not a tensor"
    weights = np.cos(np.arange(out.size)).reshape(out.shape)
    (out * weights).sum().backward()
    return out.data, [x.grad.data for x in xs]


@pytest.mark.parametrize("name", list(CASES))
def test_numpy_call_matches_ndgrad_call(name):
    via_numpy, direct, arrays = CASES[name]
    value, grads = _value_and_grads(via_numpy, arrays)
    expected_value, expected_grads = _value_and_grads(direct, arrays)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12, atol=1e-12)
    for got, expected in zip(grads, expected_grads, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_numpy_functions_keep_forward_mode_tangents():
    from ndgrad.core.forward import new_level, seed, unseed

    level = new_level()
    x = seed(nd.tensor(A0), np.ones_like(A0), level)
    _, tangent = unseed(np.sum(np.sin(x) * 2.0), level)
    np.testing.assert_allclose(np.asarray(tangent), (2 * np.cos(A0)).sum())


def test_function_without_ndgrad_version_works_on_values():
    out = np.nanmedian(nd.tensor(A0), axis=0)
    assert isinstance(out, nd.Tensor)
    np.testing.assert_array_equal(out.data, np.nanmedian(A0, axis=0))
    eig = np.linalg.eig(nd.tensor(SQ0))  # named tuple of tensors
    assert isinstance(eig.eigenvalues, nd.Tensor)
    np.testing.assert_allclose(np.sort_complex(eig.eigenvalues.data), np.sort_complex(np.linalg.eigvals(SQ0)))
    with nd.no_grad():
        assert isinstance(np.nanmedian(nd.tensor(A0, requires_grad=True)), nd.Tensor)


def test_function_without_derivative_refuses_to_drop_the_graph():
    x = nd.tensor(A0, requires_grad=True)
    with pytest.raises(NotDifferentiableError, match=r"numpy.nanmedian was called on a tensor that requires grad"):
        np.nanmedian(x)
    with pytest.raises(RuntimeError, match=r"numpy.linalg.eig .*x.detach\(\)"):
        np.linalg.eig(nd.tensor(SQ0, requires_grad=True))
    with pytest.raises(TypeError, match=r"numpy.sum .*does not take the arguments \['initial'\]"):
        np.sum(x, initial=1.0)
    with pytest.raises(NotDifferentiableError, match=r"numpy.add.reduceat"):
        np.add.reduceat(x, [0, 2])
    np.testing.assert_array_equal(np.nanmedian(x.detach()).data, np.nanmedian(A0))


def test_integer_results_need_no_graph():
    x = nd.tensor(A0, requires_grad=True)
    np.testing.assert_array_equal(np.argsort(x, axis=1).data, np.argsort(A0, axis=1))
    assert np.searchsorted(nd.tensor([1.0, 2.0, 3.0], requires_grad=True), 2.5).item() == 2
    assert np.shape(x) == (3, 4) and np.ndim(x) == 2
    np.testing.assert_array_equal(np.isnan(x).data, np.zeros((3, 4), bool))


def test_out_argument():
    target = nd.zeros(3, 4)
    result = np.add(A0, C0, out=target)
    assert result is target
    np.testing.assert_allclose(target.data, A0 + C0)
    assert target._version == 1
    with pytest.raises(NotDifferentiableError, match=r"numpy.add .*out= .*use the returned value"):
        np.add(nd.tensor(A0, requires_grad=True), C0, out=target)


def test_out_argument_over_a_saved_value_is_caught_at_backward():
    x = nd.tensor(A0, requires_grad=True)
    w = nd.tensor(C0.copy())
    y = x * w  # multiply saves w for x's gradient
    np.add(A0, C0, out=w)
    with pytest.raises(RuntimeError, match=r"multiply.*numpy.add\(..., out=\)"):
        y.sum().backward()
    w = nd.tensor(C0.copy())
    y = x * w
    np.multiply(nd.tensor(A0), C0, out=np.asarray(w))  # the same memory, as a plain array
    with pytest.raises(RuntimeError, match=r"multiply.*numpy.multiply\(..., out=\)"):
        y.sum().backward()


def test_foreign_array_types_are_left_to_their_owners():
    class Other:
        def __array_function__(self, func, types, args, kwargs):
            return "other"

        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            return "other ufunc"

    assert np.concatenate([nd.tensor(A0), Other()]) == "other"
    assert np.add(nd.tensor(A0), Other()) == "other ufunc"
