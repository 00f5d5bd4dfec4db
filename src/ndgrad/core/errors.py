"""Exceptions that teach: each names the operation, the shapes and a fix.

They subclass the built-in exceptions users already catch.
"""

from __future__ import annotations

from collections.abc import Sequence


class ShapeError(ValueError):
    """Shapes that do not fit an operation (broadcasting, matmul, reshape...)."""


class EinsumError(ValueError):
    """A malformed einsum specification."""


class DtypeError(TypeError):
    """A dtype that an operation cannot use (e.g. gradients of integers)."""


class GraphError(RuntimeError):
    """Misuse of a recorded graph: released buffers, in-place changes."""


def _cells(shape: tuple, ndim: int, width: int) -> list[str]:
    return [" " * width] * (ndim - len(shape)) + [str(d).rjust(width) for d in shape]


def aligned_shapes(shapes: Sequence[tuple], names: Sequence[str] | None = None, mark: int | None = None) -> str:
    """Shapes one per line, aligned from the right as broadcasting reads them;
    `mark` (a negative axis) puts a caret under that dimension."""
    names = [f"{n}:" for n in (names or [f"operand {i}" for i in range(len(shapes))])]
    ndim = max((len(s) for s in shapes), default=0)
    width = max((len(str(d)) for s in shapes for d in s), default=1)
    label = max(len(n) for n in names)
    lines = [f"  {name.ljust(label)}  {'  '.join(_cells(shape, ndim, width))}" for name, shape in zip(names, shapes)]
    if mark is not None:
        col = 2 + label + 2 + (ndim + mark) * (width + 2) + width - 1
        lines.append(" " * col + "^")
    return "\n".join(lines)


def broadcast_error(op: str, shapes: Sequence[tuple], names: Sequence[str] | None = None) -> ShapeError:
    """The error for shapes that do not broadcast, pointing at the clashing axis."""
    shapes = [tuple(s) for s in shapes]
    ndim = max(len(s) for s in shapes)
    padded = [(1,) * (ndim - len(s)) + s for s in shapes]
    bad_axis = next(ax for ax in range(ndim) if len({p[ax] for p in padded} - {1}) > 1)
    sizes = sorted({p[bad_axis] for p in padded} - {1})
    axis = bad_axis - ndim
    return ShapeError(
        f"{op}: shapes {' and '.join(str(s) for s in shapes)} do not broadcast.\n"
        f"Aligned from the right:\n{aligned_shapes(shapes, names, mark=axis)}\n"
        f"Dimension {axis} (counting from the right) has sizes {' and '.join(map(str, sizes))}; "
        "sizes must be equal or 1.\n"
        "Fix: reshape one operand (e.g. x.reshape(...) or x[:, None]) so the sizes match or one of them is 1."
    )
