"""ndgrad.fft: values against numpy.fft, gradients against finite differences and torch.fft."""

import numpy as np
import pytest
import torch

import ndgrad as nd
from ndgrad.gradcheck import gradcheck

F = nd.fft
RNG = np.random.default_rng(5)
NORMS = [None, "ortho", "forward"]


def randn(*shape):
    return RNG.normal(size=shape)


def crandn(*shape):
    return randn(*shape) + 1j * randn(*shape)


# ------------------------------------------------------------------ values


VALUE_CASES = [
    ("fft", crandn(3, 8), dict()),
    ("fft", randn(3, 8), dict(n=5, axis=0)),
    ("ifft", crandn(7), dict(n=10)),
    ("fftn", crandn(2, 3, 4), dict(s=(3, 5), axes=(0, 2))),
    ("ifftn", crandn(4, 6), dict()),
    ("fft2", randn(3, 4, 5), dict()),
    ("ifft2", crandn(3, 4), dict(s=(2, 6))),
    ("rfft", randn(2, 9), dict()),
    ("rfft", randn(2, 9), dict(n=12, axis=-1)),
    ("irfft", crandn(2, 5), dict()),
    ("irfft", crandn(5, 2), dict(n=9, axis=0)),
    ("rfftn", randn(3, 4, 6), dict()),
    ("rfftn", randn(3, 4, 6), dict(s=(5, 3), axes=(2, 0))),
    ("irfftn", crandn(3, 4), dict()),
    ("irfftn", crandn(3, 4), dict(s=(2, 7), axes=(0, 1))),
    ("rfft2", randn(4, 6), dict()),
    ("irfft2", crandn(4, 4), dict(s=(4, 5))),
    ("hfft", crandn(6), dict()),
    ("hfft", crandn(3, 6), dict(n=7, axis=1)),
    ("ihfft", randn(8), dict()),
    ("ihfft", randn(2, 9), dict(n=6)),
]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name,x,kwargs", VALUE_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(VALUE_CASES)])
def test_values_match_numpy(name, x, kwargs, norm):
    got = getattr(F, name)(nd.tensor(x), norm=norm, **kwargs)
    expected = getattr(np.fft, name)(x, norm=norm, **kwargs)
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got.data, expected, rtol=1e-10, atol=1e-12)


def test_float32_stays_single_precision():
    x = nd.tensor(randn(16).astype(np.float32), requires_grad=True)
    spectrum = F.rfft(x)
    assert spectrum.dtype == np.complex64
    y = F.irfft(spectrum, n=16)
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, 2 * x.data, rtol=1e-5)


def test_frequencies_and_shifts():
    np.testing.assert_array_equal(F.fftfreq(8, d=0.5).data, np.fft.fftfreq(8, d=0.5))
    np.testing.assert_array_equal(F.rfftfreq(9).data, np.fft.rfftfreq(9))
    assert F.fftfreq(4, dtype=np.float32).dtype == np.float32
    x = randn(4, 5)
    np.testing.assert_array_equal(F.fftshift(x).data, np.fft.fftshift(x))
    np.testing.assert_array_equal(F.ifftshift(x, axes=1).data, np.fft.ifftshift(x, axes=1))
    np.testing.assert_array_equal(F.ifftshift(F.fftshift(x, axes=(0,)), axes=0).data, x)


def test_complex_parts():
    z = crandn(2, 3)
    np.testing.assert_array_equal(F.real(z).data, z.real)
    np.testing.assert_array_equal(F.imag(z).data, z.imag)
    np.testing.assert_array_equal(F.conj(z).data, z.conj())
    np.testing.assert_allclose(F.angle(z, deg=True).data, np.angle(z, deg=True))
    np.testing.assert_array_equal(F.make_complex(z.real, z.imag).data, z)
    assert F.make_complex(np.float32(1), np.ones(2, np.float32)).dtype == np.complex64
    assert F.make_complex(np.inf, 0.0).data == complex(np.inf, 0.0)  # no inf * 0j = nan


# ------------------------------------------------------------------ gradients


def test_parseval_gradient_is_2n_x():
    """d/dx sum |fft(x)|^2 = 2 N x (Parseval), with |X|^2 written as real(X conj(X))."""
    x = nd.tensor(randn(8), requires_grad=True)
    X = F.fft(x)
    F.real(X * F.conj(X)).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * 8 * x.data)


def test_parseval_gradient_through_abs():
    x = nd.tensor(randn(8), requires_grad=True)
    (abs(F.fft(x)) ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * 8 * x.data)


@pytest.mark.parametrize("norm", NORMS)
def test_round_trips_have_identity_gradient(norm):
    w = randn(3, 10)
    for roundtrip in (
        lambda t: F.real(F.ifft(F.fft(t, norm=norm), norm=norm)),
        lambda t: F.irfft(F.rfft(t, norm=norm), n=10, norm=norm),
        lambda t: F.irfftn(F.rfftn(t, norm=norm), s=t.shape, norm=norm),
    ):
        x = nd.tensor(randn(3, 10), requires_grad=True)
        (roundtrip(x) * w).sum().backward()
        np.testing.assert_allclose(x.grad.data, w, atol=1e-12)


@pytest.mark.parametrize(
    "f",
    [
        lambda t: F.real(F.fft(t, n=7, axis=0)) * F.imag(F.fft(t, n=7, axis=0)),
        lambda t: F.irfft(F.rfft(t, norm="ortho") ** 2, n=6, norm="ortho"),
        lambda t: F.hfft(F.make_complex(t, t * t)),
        lambda t: F.real(F.ihfft(t) * F.conj(F.ihfft(t))),
        lambda t: F.angle(F.fftn(F.make_complex(t, 1 + t), s=(3, 3))),
    ],
)
def test_gradcheck_compositions(f):
    assert gradcheck(f, randn(4, 5))


def _torch_loss(module, x, weights):
    spec = module.rfft2(x, s=(5, 7), norm="ortho")
    back = module.irfft(spec * spec, n=6, axis=0) if module is F else module.irfft(spec * spec, n=6, dim=0)
    return (back * weights).sum() + (F.real if module is F else torch.real)(module.fft(x, n=9)).sum()


def test_gradients_match_torch():
    x0, weights = randn(4, 6), randn(6, 4)
    x = nd.tensor(x0, requires_grad=True)
    loss = _torch_loss(F, x, weights)
    loss.backward()
    xt = torch.tensor(x0, requires_grad=True)
    loss_t = _torch_loss(torch.fft, xt, torch.tensor(weights))
    loss_t.backward()
    np.testing.assert_allclose(loss.item(), loss_t.item(), rtol=1e-10)
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-9, atol=1e-10)


def test_complex_input_gradient_follows_jax_convention():
    """For a real loss of complex z, the gradient is dL/dRe - i dL/dIm (JAX), the conjugate of PyTorch's."""
    z0 = crandn(6)
    z = nd.tensor(z0, requires_grad=True)
    X = F.fft(z)
    F.real(X * F.conj(X)).sum().backward()  # = N |z|^2, so dL/dRe - i dL/dIm = 2N conj(z)
    np.testing.assert_allclose(z.grad.data, 2 * 6 * np.conj(z0))
    zt = torch.tensor(z0, requires_grad=True)
    Xt = torch.fft.fft(zt)
    (Xt * Xt.conj()).real.sum().backward()
    np.testing.assert_allclose(z.grad.data, np.conj(zt.grad.numpy()))


def test_forward_mode_tangent_of_linear_transform_is_the_transform():
    from ndgrad.core.forward import new_level, seed, unseed

    x0, t0 = randn(8), randn(8)
    level = new_level()
    x = seed(nd.tensor(x0), t0, level)
    _, tangent = unseed(F.rfft(x, n=10, norm="forward"), level)
    np.testing.assert_allclose(np.asarray(tangent), np.fft.rfft(t0, n=10, norm="forward"))


# ------------------------------------------------------------------ errors


def test_errors_name_the_operation_and_fix():
    with pytest.raises(TypeError, match=r"rfft takes a real input.*fft/fftn"):
        F.rfft(crandn(4))
    with pytest.raises(ValueError, match=r"ifft: norm must be one of"):
        F.ifft(randn(4), norm="unitary")
    with pytest.raises(ValueError, match=r"fft: invalid number of data points \(0\)"):
        F.fft(randn(4), n=0)
    with pytest.raises(ValueError, match=r"irfft: invalid number of data points \(0\)"):
        F.irfft(crandn(1))
    with pytest.raises(ValueError, match=r"fftn: s=\[2\] and axes=\(-2, -1\) must have the same length"):
        F.fftn(randn(3, 3), s=(2,), axes=(0, 1))
    with pytest.raises(ValueError, match=r"axis 2 is out of bounds"):
        F.fft(randn(3, 3), axis=2)
