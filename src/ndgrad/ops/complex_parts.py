"""Complex numbers as values: real and imaginary parts, conjugates, assembly.

Gradients through complex values follow JAX's convention: the cotangent of a
complex value z is the conjugate of the direction in which a real loss grows,
VJPs are plain transposes (not conjugate transposes), and a real tensor that
flows into a complex operation gets the real part of its cotangent.
"""

from __future__ import annotations

from typing import Any

from ..backend import xp
from ..core import primitive

__all__ = ["real", "imag", "conj", "conjugate", "make_complex"]


def is_complex(x: Any) -> bool:
    """Does `x` (array, tensor or scalar) hold complex values?"""
    dtype = getattr(x, "dtype", None)
    return dtype is not None and dtype.kind == "c"


def _complex_impl(re: Any, im: Any) -> Any:
    # Assigning the parts (rather than re + 1j*im) keeps inf + 0j exact.
    dtype = xp.result_type(re, im, xp.complex64)
    out = xp.empty(xp.broadcast_shapes(xp.shape(re), xp.shape(im)), dtype=dtype)
    out.real = re
    out.imag = im
    return out


def _real_vjp(g: Any, ans: Any, x: Any) -> Any:
    return complex_p(g, 0 * g) if is_complex(x) else g


def _imag_vjp(g: Any, ans: Any, x: Any) -> Any:
    # <g, Im(dz)> = Re(-i g dz): the cotangent of z is -i g.
    return complex_p(0 * g, -g) if is_complex(x) else 0 * g


real = primitive("real", xp.real, vjp=_real_vjp, jvp=lambda t, ans, x: real(t))
imag = primitive("imag", xp.imag, vjp=_imag_vjp, jvp=lambda t, ans, x: imag(t))
conj = primitive("conj", xp.conj, vjp=lambda g, ans, x: conj(g), jvp=lambda t, ans, x: conj(t))
complex_p = primitive(
    "complex",
    _complex_impl,
    # <g, dre + i dim> = Re(g) dre - Im(g) dim.
    vjp=(lambda g, ans, re, im: real(g), lambda g, ans, re, im: -imag(g)),
    jvp=(lambda t, ans, re, im: complex_p(t, 0 * t), lambda t, ans, re, im: complex_p(0 * t, t)),
    broadcasting=True,
)
conjugate = conj


def make_complex(re: Any, im: Any) -> Any:
    """The complex tensor re + i*im (like `torch.complex` / `lax.complex`), differentiable in both."""
    return complex_p(re, im)
