"""`gradcheck`: autodiff derivatives against central finite differences.

Both modes are checked, each in one batched pass: reverse mode with an
identity basis of cotangents and forward mode with an identity basis of
tangents (which also checks that rules carry batch axes correctly), and a
plain unbatched product for each.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from .backend import xp
from .core import engine
from .core.forward import new_level, seed, unseed
from .core.graph import TensorBase, wrap
from .core.mode import no_grad


class GradcheckError(AssertionError):
    """Autodiff and finite differences disagree."""


def _outputs(out: Any) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _as_input(x: Any, i: int) -> Any:
    arr = x.data if isinstance(x, TensorBase) else xp.asarray(x)
    if arr.dtype == xp.float32:
        warnings.warn(
            f"gradcheck: input {i} is float32; finite differences need float64, so it is checked in float64",
            stacklevel=3,
        )
    if xp.issubdtype(arr.dtype, xp.inexact):
        return xp.array(arr, dtype=xp.float64)
    return arr


def numerical_jacobian(f: Callable, arrays: list, i: int, eps: float) -> list:
    """d(outputs)/d(arrays[i]) by central differences, as (out.size, in.size) matrices."""
    x = arrays[i]
    flat = x.reshape(-1)
    columns: list[list] = []
    for j in range(flat.size):
        orig = flat[j]
        vals = []
        for step in (eps, -eps):
            flat[j] = orig + step
            with no_grad():
                outs = _outputs(f(*[wrap(a.copy()) for a in arrays]))
            vals.append([xp.asarray(o.data, dtype=xp.float64).reshape(-1) for o in outs])
        flat[j] = orig
        columns.append([(p - m) / (2 * eps) for p, m in zip(*vals)])
    n_out = len(columns[0]) if columns else len(_outputs(f(*[wrap(a) for a in arrays])))
    return [xp.stack([c[k] for c in columns], axis=1) if columns else xp.zeros((0, 0)) for k in range(n_out)]


def _reverse_jacobian(f: Callable, arrays: list, i: int) -> list:
    """Each output's Jacobian w.r.t. input i, from one batched backward pass."""
    xs = [wrap(a.copy()) for a in arrays]
    xs[i].requires_grad = True
    result = []
    for out in _outputs(f(*xs)):
        m, n = out.data.size, arrays[i].size
        if not out.requires_grad:
            result.append(xp.zeros((m, n)))
            continue
        basis = xp.eye(m).reshape((m, *out.shape))
        (g,) = engine.backward([out], [basis], retain_graph=True, inputs=[xs[i]])
        result.append(xp.zeros((m, n)) if g is None else xp.asarray(getattr(g, "data", g)).reshape(m, n))
    return result


def _forward_jacobian(f: Callable, arrays: list, i: int) -> list:
    """Each output's Jacobian w.r.t. input i, from one batched forward pass."""
    n = arrays[i].size
    level = new_level()
    xs = [wrap(a.copy()) for a in arrays]
    xs[i] = seed(xs[i], xp.eye(n).reshape((n, *arrays[i].shape)), level)
    result = []
    for out in _outputs(f(*xs)):
        _, t = unseed(out, level)
        t = xp.asarray(getattr(t, "data", t))
        m = out.data.size
        result.append(xp.zeros((m, n)) if t.shape == out.shape else t.reshape(n, m).T)
    return result


def _compare(
    kind: str, analytic: Any, numeric: Any, i: int, k: int, out_shape: tuple, in_shape: tuple, atol: float, rtol: float
) -> None:
    if analytic.shape != numeric.shape:
        raise GradcheckError(
            f"{kind}: Jacobian of output {k} w.r.t. input {i} has shape {analytic.shape}, expected {numeric.shape}"
        )
    bad = ~xp.isclose(analytic, numeric, atol=atol, rtol=rtol, equal_nan=True)
    if bad.any():
        r, c = (int(v) for v in xp.argwhere(bad)[0])
        out_idx = xp.unravel_index(r, out_shape) if out_shape else ()
        in_idx = xp.unravel_index(c, in_shape) if in_shape else ()
        raise GradcheckError(
            f"{kind} derivative of output {k} at index {tuple(map(int, out_idx))} w.r.t. input {i} "
            f"at index {tuple(map(int, in_idx))}: autodiff gives {analytic[r, c]!r}, "
            f"finite differences give {numeric[r, c]!r} ({int(bad.sum())} of {bad.size} entries differ)"
        )


def gradcheck(
    f: Callable[..., Any],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    modes: tuple[str, ...] = ("rev", "fwd"),
    raise_exception: bool = True,
) -> bool:
    """Check f's reverse- and forward-mode derivatives against finite differences.

    Every floating-point input is checked, in float64.  On a mismatch the
    error names the mode, the output and input, the indices and both values.
    """
    arrays = [_as_input(x, i) for i, x in enumerate(inputs)]
    try:
        for i, a in enumerate(arrays):
            if not xp.issubdtype(a.dtype, xp.inexact):
                continue
            numeric = numerical_jacobian(f, arrays, i, eps)
            with no_grad():
                shapes = [tuple(o.shape) for o in _outputs(f(*[wrap(b) for b in arrays]))]
            for mode, kind, jac in (
                ("rev", "reverse-mode", _reverse_jacobian),
                ("fwd", "forward-mode", _forward_jacobian),
            ):
                if mode not in modes:
                    continue
                for k, (an, nu) in enumerate(zip(jac(f, arrays, i), numeric)):
                    _compare(kind, an, nu, i, k, shapes[k], a.shape, atol, rtol)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True
