"""Cases for the FFT primitives and the complex-part primitives of ndgrad.fft.

Every case is a real-to-real composition (gradcheck works on real float64
inputs), so complex intermediates are checked through JAX's convention.
"""

import ndgrad as nd
from ndgrad import autograd

from . import case, rand

F = nd.fft


def power(z):
    """|z|^2 as real(z * conj(z)): real output from a complex intermediate."""
    return F.real(z * F.conj(z))


def second_order(f):
    """The gradient of sum(f(x)) as a differentiable function of x."""

    def grad_f(x):
        with nd.enable_grad():
            if not x.requires_grad:  # finite differences and forward mode pass plain leaves
                x.requires_grad = True
            (g,) = autograd.grad(f(x).sum(), x, create_graph=True)
        return g

    return grad_f


CASES = {
    "fftn": [
        case(lambda x: power(F.fft(x)), rand(3, 8)),
        case(lambda x: F.real(F.ifft(F.fft(x, n=11), axis=-1)), rand(2, 5), note="padded round trip"),
        case(lambda x: F.imag(F.fftn(x, s=(2, 3), axes=(0, 2), norm="ortho")), rand(3, 2, 4), note="cropped axes"),
        case(lambda x: F.real(F.fft(F.make_complex(x, x * x), axis=0, norm="forward")), rand(4, 3), note="complex in"),
        case(second_order(lambda x: power(F.fft(x * x))), rand(6), note="second order"),
    ],
    "rfftn": [
        case(lambda x: F.imag(F.rfft(x)) + F.real(F.rfft(x)), rand(2, 6)),
        case(lambda x: power(F.rfft(x, n=7, norm="ortho")), rand(5), note="odd padded length"),
        case(lambda x: F.real(F.rfftn(x, axes=(1, 0), norm="forward")), rand(3, 4), note="real axis not last"),
        case(second_order(lambda x: power(F.rfft(x * x))), rand(5), note="second order"),
    ],
    "irfftn": [
        case(lambda x: F.irfft(F.rfft(x)), rand(2, 6)),
        case(lambda x, y: F.irfft(F.make_complex(x, y), n=7), rand(4), rand(2, 4), note="complex input, odd n"),
        case(lambda x: F.irfftn(F.make_complex(x, -x), s=(3, 6), norm="ortho"), rand(3, 4)),
        case(lambda x: F.hfft(F.make_complex(x, x * x), norm="forward"), rand(5)),
        case(second_order(lambda x: F.irfft(F.make_complex(x, x * x), n=6) ** 2), rand(4), note="second order"),
    ],
    "window": [
        case(lambda x: F.window(x, 1, 1, 2), rand(2, 4), note="crop"),
        case(lambda x: F.window(x, 0, -2, 5), rand(2, 3), note="pad before and after"),
        case(lambda x: F.fftshift(x) * F.ifftshift(x, axes=0), rand(3, 4), note="rolls"),
    ],
    "real": [case(lambda x, y: F.real(F.make_complex(x, y) ** 2), rand(2, 3), rand(3)), case(F.real, rand(3))],
    "imag": [case(lambda x, y: F.imag(F.make_complex(x, y) ** 3), rand(3), rand(2, 3)), case(F.imag, rand(2))],
    "conj": [
        case(lambda x, y: F.imag(F.conj(F.make_complex(x, y)) * F.make_complex(y, x)), rand(3), rand(3)),
        case(F.conj, rand(2)),
    ],
    "complex": [
        case(lambda x, y: F.angle(F.make_complex(x, y)), rand(2, 3, low=0.2), rand(3)),
        case(second_order(lambda x: F.angle(F.make_complex(x, x * x + 1))), rand(3, low=0.2), note="second order"),
    ],
}
