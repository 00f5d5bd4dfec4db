"""Shape primitives: reshape, broadcast_to, transpose, and compositions."""

from __future__ import annotations

import math
from typing import Any

from ..backend import xp
from ..core import primitive
from ..core.errors import ShapeError
from ._axes import ndim_of

__all__ = ["reshape", "broadcast_to", "transpose", "permute_dims"]


def _nb(g: Any, ref: Any) -> int:
    return g.ndim - ref.ndim


reshape_p = primitive(
    "reshape", xp.reshape,
    vjp=lambda g, ans, x, shape: reshape_p(g, g.shape[: _nb(g, ans)] + x.shape),
    jvp=lambda t, ans, x, shape: reshape_p(t, t.shape[: _nb(t, x)] + ans.shape),
)


def _shape_arg(shape: tuple) -> tuple:
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def resolve_shape(old: tuple, new: tuple, op: str = "reshape") -> tuple:
    """Fill in a -1 and check the sizes agree, with an error that explains."""
    size = math.prod(old)
    unknown = [i for i, s in enumerate(new) if s == -1]
    known = math.prod(s for s in new if s != -1)
    if len(unknown) > 1:
        raise ShapeError(f"{op}: only one dimension can be -1, got shape {new}")
    if unknown and known and size % known == 0:
        new = new[: unknown[0]] + (size // known,) + new[unknown[0] + 1 :]
    if math.prod(new) != size or any(s < 0 for s in new):
        raise ShapeError(
            f"{op}: cannot reshape a tensor of shape {old} ({size} elements) into shape {new} "
            f"({'?' if unknown else math.prod(new)} elements). The total number of elements must stay {size}."
        )
    return new


def reshape(x: Any, *shape: Any) -> Any:
    """Same data, new shape (one dimension may be -1)."""
    new = resolve_shape(tuple(getattr(x, "shape", ())), _shape_arg(shape))
    return reshape_p(x, new)


broadcast_p = primitive(
    "broadcast_to", xp.broadcast_to,
    # The engine sums the cotangent back to the input's shape.
    vjp=lambda g, ans, x, shape: g,
    jvp=lambda t, ans, x, shape: t,
    broadcasting=True,
)


def broadcast_to(x: Any, shape: Any) -> Any:
    """A read-only view of `x` repeated to `shape` (NumPy's rules)."""
    shape = _shape_arg((shape,)) if not isinstance(shape, int) else (shape,)
    if tuple(getattr(x, "shape", ())) == shape:
        return x
    return broadcast_p(x, shape)


def _inverse(perm: tuple) -> tuple:
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


def _batched(perm: tuple, nb: int) -> tuple:
    return tuple(range(nb)) + tuple(nb + p for p in perm)


transpose_p = primitive(
    "transpose", xp.transpose,
    vjp=lambda g, ans, x, axes: transpose_p(g, _batched(_inverse(axes), _nb(g, ans))),
    jvp=lambda t, ans, x, axes: transpose_p(t, _batched(axes, _nb(t, x))),
)


def transpose(x: Any, axes: Any = None) -> Any:
    """Permute axes (reverse them when `axes` is None), like NumPy."""
    n = ndim_of(x)
    axes = tuple(reversed(range(n))) if axes is None else tuple(int(a) % n if n else int(a) for a in axes)
    if sorted(axes) != list(range(n)):
        raise ShapeError(f"transpose: axes {axes} are not a permutation of the {n} axes of a tensor of shape {x.shape}")
    return transpose_p(x, axes)


def permute_dims(x: Any, axes: Any) -> Any:
    """Array-API spelling of transpose."""
    return transpose(x, axes)
