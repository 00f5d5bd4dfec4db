"""Discrete Fourier transforms with gradients: `ndgrad.fft`, spelled as NumPy spells it.

    >>> import ndgrad as nd
    >>> x = nd.tensor([1.0, 2.0, 0.0, -1.0], requires_grad=True)
    >>> nd.fft.irfft(nd.fft.rfft(x), n=4).sum().backward()   # x.grad is all ones

Complex numbers and derivatives (JAX's convention)
--------------------------------------------------
Complex tensors are ordinary values.  Derivatives through them follow JAX:

* a tangent or cotangent of a complex value is a complex array of its shape;
* a VJP is the plain *transpose* of the JVP (no complex conjugation), under the
  pairing ``<g, dz> = Re(sum(g * dz))``.  So for a holomorphic step (``fft``,
  ``exp``, ``z * w``) the VJP multiplies by the same derivative the JVP does;
* the gradient of a real loss ``L(z)`` with respect to a complex input is
  ``dL/dRe(z) - i dL/dIm(z)``: the *conjugate* of the steepest-ascent direction
  (PyTorch returns the other one; take ``conj`` to switch);
* where a real tensor flows into a complex operation its cotangent is the real
  part, so gradients of real inputs stay real.

The transforms are linear: the VJP of ``fft``/``ifft``/``fftn``/``ifftn`` is the
same transform (the DFT matrix is symmetric), that of ``rfftn`` an ``irfftn`` of
the conjugated, half-weighted cotangent, and that of ``irfftn`` a weighted,
conjugated ``rfftn``; the normalisation turns into its dual (``"backward"`` <->
``"forward"``).  Cropping and zero-padding (the ``n`` / ``s`` arguments) are one
self-adjoint `window` primitive.  `real`, `imag`, `conj` and `make_complex` are
primitives too, so all of it is differentiable again (second order).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from .backend import xp
from .core import TensorBase, primitive
from .core.graph import wrap
from .ops._axes import normalize_axis
from .ops.complex_parts import conj, conjugate, imag, is_complex, make_complex, real
from .ops.elementwise import angle

__all__ = [
    "fft", "ifft", "fftn", "ifftn", "rfft", "irfft", "rfftn", "irfftn", "hfft", "ihfft",
    "fft2", "ifft2", "rfft2", "irfft2", "fftfreq", "rfftfreq", "fftshift", "ifftshift",
    "real", "imag", "conj", "conjugate", "angle", "make_complex", "window",
]

_NORMS = ("backward", "ortho", "forward")
# The transpose of a transform scaled by 1/N is the unscaled one, and vice versa.
_DUAL = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


# ------------------------------------------------------------ complex parts


def _like_input(g: Any, x: Any) -> Any:
    """A cotangent for `x`: its real part when x is real (JAX's rule)."""
    return g if is_complex(x) or not is_complex(g) else real(g)


# ------------------------------------------------------------ crop and pad


def _window_impl(x: Any, axis: int, start: int, size: int) -> Any:
    n = x.shape[axis]
    if 0 <= start and start + size <= n:
        index = [slice(None)] * x.ndim
        index[axis] = slice(start, start + size)
        return x[tuple(index)]
    shape = list(x.shape)
    shape[axis] = size
    out = xp.zeros(shape, dtype=x.dtype)
    lo, hi = max(start, 0), min(start + size, n)
    if hi > lo:
        src = [slice(None)] * x.ndim
        dst = [slice(None)] * x.ndim
        src[axis], dst[axis] = slice(lo, hi), slice(lo - start, hi - start)
        out[tuple(dst)] = x[tuple(src)]
    return out


# Taking x[start:start+size] (zero where that runs past an end) has as transpose
# putting g back at offset `start` of a zero array: the same operation shifted.
window_p = primitive(
    "window", _window_impl,
    vjp=lambda g, ans, x, axis, start, size: window_p(g, axis=axis, start=-start, size=x.shape[axis]),
    jvp=lambda t, ans, x, axis, start, size: window_p(t, axis=axis, start=start, size=size),
)


def window(x: Any, axis: int, start: int, size: int) -> Any:
    """x[start:start+size] along `axis`, zero-filled where it runs past either end.

    Cropping, zero-padding and shifting in one differentiable operation.
    """
    x = _as_input(x)
    return window_p(x, axis=normalize_axis(axis, x.ndim, "window"), start=int(start), size=int(size))


def _resize(x: Any, axes: Sequence[int], sizes: Sequence[int]) -> Any:
    """Crop or zero-pad each of `axes` (at its end) to the matching size, as NumPy's `n`/`s` do."""
    for axis, size in zip(axes, sizes, strict=True):
        if x.shape[axis] != size:
            x = window_p(x, axis=axis, start=0, size=size)
    return x


# ------------------------------------------------------------ the transforms


def _fftn_impl(x: Any, axes: tuple, norm: str, inverse: bool) -> Any:
    if len(axes) == 1:  # the 1-D entry point skips NumPy's n-D argument handling
        return (xp.fft.ifft if inverse else xp.fft.fft)(x, axis=axes[0], norm=norm)
    return (xp.fft.ifftn if inverse else xp.fft.fftn)(x, axes=axes, norm=norm)


def _fftn_vjp(g: Any, ans: Any, x: Any, axes: tuple, norm: str, inverse: bool) -> Any:
    # The DFT matrix is symmetric, so the transform is its own transpose.
    return _like_input(fftn_p(g, axes=axes, norm=norm, inverse=inverse), x)


fftn_p = primitive(
    "fftn", _fftn_impl,
    vjp=_fftn_vjp,
    jvp=lambda t, ans, x, axes, norm, inverse: fftn_p(t, axes=axes, norm=norm, inverse=inverse),
)


@functools.lru_cache(maxsize=64)
def _half_weights(n: int, axis: int, dtype: Any, middle: float) -> Any:
    """Weights along the half spectrum of a length-n real signal: 1 at the zero
    (and, for even n, the Nyquist) frequency, `middle` at the others; shaped to
    broadcast along `axis` (negative).  Cached, so read-only."""
    w = xp.full(n // 2 + 1, middle, dtype=xp.finfo(dtype).dtype)
    w[0] = 1
    if n % 2 == 0:
        w[-1] = 1
    w.flags.writeable = False
    return w.reshape((n // 2 + 1,) + (1,) * (-axis - 1))


def _rfftn_impl(x: Any, axes: tuple, norm: str) -> Any:
    if len(axes) == 1:
        return xp.fft.rfft(x, axis=axes[0], norm=norm)
    return xp.fft.rfftn(x, axes=axes, norm=norm)


def _rfftn_vjp(g: Any, ans: Any, x: Any, axes: tuple, norm: str) -> Any:
    # Transpose of "full FFT, keep the first n//2+1 frequencies", restricted to
    # real x: Re(FFT(zero-padded g)) == N * irfftn(conj(g) * w) with w = 1/2
    # on the frequencies irfftn counts twice.
    n = x.shape[axes[-1]]
    w = _half_weights(n, axes[-1], g.dtype, 0.5)
    return irfftn_p(conj(g) * w, axes=axes, norm=_DUAL[norm], n=n)


def _irfftn_impl(y: Any, axes: tuple, norm: str, n: int) -> Any:
    if len(axes) == 1:
        return xp.fft.irfft(y, n=n, axis=axes[0], norm=norm)
    sizes = [y.shape[a] for a in axes[:-1]] + [n]
    return xp.fft.irfftn(y, s=sizes, axes=axes, norm=norm)


def _irfftn_vjp(g: Any, ans: Any, y: Any, axes: tuple, norm: str, n: int) -> Any:
    # irfftn(y) = Re(sum_k w_k y_k e^{+i..}) / N with w = 2 on the frequencies
    # that stand for a conjugate pair; transposing gives w * conj(rfftn(g)) / N.
    w = _half_weights(n, axes[-1], g.dtype, 2.0)
    return _like_input(conj(rfftn_p(g, axes=axes, norm=_DUAL[norm])) * w, y)


rfftn_p = primitive(
    "rfftn", _rfftn_impl,
    vjp=_rfftn_vjp,
    jvp=lambda t, ans, x, axes, norm: rfftn_p(t, axes=axes, norm=norm),
)
irfftn_p = primitive(
    "irfftn", _irfftn_impl,
    vjp=_irfftn_vjp,
    jvp=lambda t, ans, y, axes, norm, n: irfftn_p(t, axes=axes, norm=norm, n=n),
)


# ------------------------------------------------------------ public functions


def _as_input(x: Any) -> Any:
    return x if isinstance(x, TensorBase) or hasattr(x, "shape") else xp.asarray(x)


def _norm(norm: str | None, op: str) -> str:
    norm = "backward" if norm is None else norm
    if norm not in _NORMS:
        raise ValueError(f"{op}: norm must be one of {_NORMS} or None, got {norm!r}")
    return norm


def _plan(x: Any, s: Any, axes: Any, op: str) -> tuple[tuple[int, ...], list[int] | None]:
    """Negative axes and target sizes, with NumPy's defaults: all axes, or the last len(s)."""
    ndim = x.ndim
    if axes is None:
        axes = range(-len(s), 0) if s is not None else range(-ndim, 0)
    axes = tuple(normalize_axis(int(a), ndim, op) for a in axes)
    if s is None:
        return axes, None
    s = [int(n) for n in s]
    if len(s) != len(axes):
        raise ValueError(f"{op}: s={s} and axes={axes} must have the same length")
    for n in s:
        if n < 1:
            raise ValueError(f"{op}: invalid number of data points ({n}); each length in n/s must be at least 1")
    return axes, s


def _c2c(x: Any, s: Any, axes: Any, norm: str | None, inverse: bool, op: str) -> Any:
    x = _as_input(x)
    axes, sizes = _plan(x, s, axes, op)
    if sizes is not None:
        x = _resize(x, axes, sizes)
    return fftn_p(x, axes=axes, norm=_norm(norm, op), inverse=inverse)


def _real_input(x: Any, op: str) -> Any:
    x = _as_input(x)
    if is_complex(x):
        raise TypeError(
            f"{op} takes a real input, got dtype {x.dtype}. Use fft/fftn for complex signals, "
            f"or {op}(real(x)) to transform the real part."
        )
    return x


def _r2c(x: Any, s: Any, axes: Any, norm: str | None, op: str) -> Any:
    x = _real_input(x, op)
    axes, sizes = _plan(x, s, axes, op)
    if sizes is not None:
        x = _resize(x, axes, sizes)
    return rfftn_p(x, axes=axes, norm=_norm(norm, op))


def _c2r(y: Any, s: Any, axes: Any, norm: str | None, op: str) -> Any:
    y = _as_input(y)
    axes, sizes = _plan(y, s, axes, op)
    if sizes is None:
        sizes = [y.shape[a] for a in axes[:-1]] + [2 * (y.shape[axes[-1]] - 1)]
        if sizes[-1] < 1:
            raise ValueError(f"{op}: invalid number of data points (0); pass n (or s) for a length-1 input")
    y = _resize(y, axes, sizes[:-1] + [sizes[-1] // 2 + 1])
    return irfftn_p(y, axes=axes, norm=_norm(norm, op), n=sizes[-1])


def fft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """1-D discrete Fourier transform along `axis` (cropped or zero-padded to n)."""
    return _c2c(a, None if n is None else (n,), (axis,), norm, False, "fft")


def ifft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """1-D inverse discrete Fourier transform along `axis`."""
    return _c2c(a, None if n is None else (n,), (axis,), norm, True, "ifft")


def fftn(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None, norm: str | None = None) -> Any:
    """N-D discrete Fourier transform over `axes` (all by default)."""
    return _c2c(a, s, axes, norm, False, "fftn")


def ifftn(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None, norm: str | None = None) -> Any:
    """N-D inverse discrete Fourier transform over `axes`."""
    return _c2c(a, s, axes, norm, True, "ifftn")


def fft2(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1), norm: str | None = None) -> Any:
    return _c2c(a, s, axes, norm, False, "fft2")


def ifft2(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1), norm: str | None = None) -> Any:
    return _c2c(a, s, axes, norm, True, "ifft2")


def rfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """FFT of a real signal: the n//2+1 non-negative frequencies."""
    return _r2c(a, None if n is None else (n,), (axis,), norm, "rfft")


def irfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """Inverse of `rfft`: a real signal of length n (default 2*(m-1))."""
    return _c2r(a, None if n is None else (n,), (axis,), norm, "irfft")


def rfftn(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None, norm: str | None = None) -> Any:
    """N-D FFT of a real input; the last of `axes` keeps its non-negative frequencies."""
    return _r2c(a, s, axes, norm, "rfftn")


def irfftn(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None, norm: str | None = None) -> Any:
    """Inverse of `rfftn`."""
    return _c2r(a, s, axes, norm, "irfftn")


def rfft2(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1), norm: str | None = None) -> Any:
    return _r2c(a, s, axes, norm, "rfft2")


def irfft2(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1), norm: str | None = None) -> Any:
    return _c2r(a, s, axes, norm, "irfft2")


def hfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """FFT of a Hermitian-symmetric signal given by its first half: a real spectrum."""
    return _c2r(conj(_as_input(a)), None if n is None else (n,), (axis,), _DUAL[_norm(norm, "hfft")], "hfft")


def ihfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """Inverse of `hfft`: the half spectrum of a real signal's inverse FFT."""
    return conj(_r2c(a, None if n is None else (n,), (axis,), _DUAL[_norm(norm, "ihfft")], "ihfft"))


# ------------------------------------------------------------ frequencies and shifts


def fftfreq(n: int, d: float = 1.0, *, dtype: Any = None, device: Any = None) -> Any:
    """Sample frequencies of an n-point FFT with sample spacing d (values only)."""
    out = xp.fft.fftfreq(n, d)
    return wrap(out if dtype is None else out.astype(dtype))


def rfftfreq(n: int, d: float = 1.0, *, dtype: Any = None, device: Any = None) -> Any:
    """Sample frequencies of an n-point `rfft` (values only)."""
    out = xp.fft.rfftfreq(n, d)
    return wrap(out if dtype is None else out.astype(dtype))


def _roll(x: Any, shift: int, axis: int) -> Any:
    """x rolled by `shift` along `axis`: two shifted windows added."""
    n = x.shape[axis]
    shift %= n
    if shift == 0:
        return x
    return window_p(x, axis=axis, start=-shift, size=n) + window_p(x, axis=axis, start=n - shift, size=n)


def _shift(x: Any, axes: Any, sign: int, op: str) -> Any:
    x = _as_input(x)
    if axes is None:
        axes = range(x.ndim)
    elif isinstance(axes, int):
        axes = (axes,)
    for axis in axes:
        axis = normalize_axis(int(axis), x.ndim, op)
        x = _roll(x, sign * (x.shape[axis] // 2), axis)
    return x if isinstance(x, TensorBase) else wrap(x)


def fftshift(x: Any, axes: Any = None) -> Any:
    """Move the zero frequency to the centre (along `axes`, all by default)."""
    return _shift(x, axes, 1, "fftshift")


def ifftshift(x: Any, axes: Any = None) -> Any:
    """Undo `fftshift`."""
    return _shift(x, axes, -1, "ifftshift")
