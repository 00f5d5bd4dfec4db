"""Pictures of functions and derivatives, computed by ndgrad and drawn by matplotlib.

    >>> import ndgrad as nd
    >>> result = nd.plot.contour(lambda x, y: x**2 + 3*y, gradient=True)
    >>> result.fig.savefig("f.png")

matplotlib is an optional dependency: `pip install 'ndgrad[plot]'`.
Every function returns matplotlib objects and never calls `plt.show()`: in
Jupyter the figure appears inline, in a script call `savefig` or `plt.show()`.
A function may be a Python callable on ndgrad tensors or an expression string
such as `"x**2 + 3*y"`.  It must be pointwise (each output value depends only
on the inputs at the same grid point): that is what lets one backward pass
over the whole grid give every point's gradient.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from ..backend import xp
from ..core.graph import TensorBase
from ..ops import creation
from . import calculus
from .expr import parse
from .text import pretty

__all__ = ["contour", "surface", "jacobian_heatmap", "tangent_line", "ContourPlot", "SurfacePlot",
           "HeatmapPlot", "TangentPlot", "grid_values", "headless_pyplot", "MissingDependency"]

INSTALL_HINT = "ndgrad.plot needs matplotlib, which is not installed. Install it with: pip install 'ndgrad[plot]'"


class MissingDependency(ImportError):
    """matplotlib is not installed; the message says how to install it."""


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise MissingDependency(INSTALL_HINT) from err
    return plt


def headless_pyplot() -> Any:
    """pyplot for writing files: the Agg backend, unless a notebook's inline backend is active."""
    try:
        import matplotlib
    except ImportError as err:
        raise MissingDependency(INSTALL_HINT) from err
    if "inline" not in matplotlib.get_backend().lower():
        matplotlib.use("Agg")
    return _pyplot()


class ContourPlot(NamedTuple):
    fig: Any
    ax: Any
    contour: Any  # QuadContourSet
    colorbar: Any
    quiver: Any  # Quiver, or None without gradient=True


class SurfacePlot(NamedTuple):
    fig: Any
    ax: Any
    surface: Any  # Poly3DCollection


class HeatmapPlot(NamedTuple):
    fig: Any
    ax: Any
    image: Any  # AxesImage
    colorbar: Any


class TangentPlot(NamedTuple):
    fig: Any
    ax: Any
    curve: Any  # Line2D of f
    tangent: Any  # Line2D of the tangent at x0
    point: Any  # Line2D marking (x0, f(x0))
    slope: float


def _as_function(f: Callable | str, n_args: int) -> tuple[Callable, str]:
    """A callable on tensors and a label for it (an expression string is parsed safely)."""
    if isinstance(f, str):
        names = ("x", "y")[:n_args]
        expr = parse(f)
        extra = [v for v in expr.variables if v not in names]
        if extra:
            raise ValueError(f"'{f}' uses {', '.join(extra)}; this plot's variables are {', '.join(names)}")
        return expr.function(names), expr.text
    if not callable(f):
        raise TypeError(f"expected a function or an expression string, got {type(f).__name__}")
    return f, getattr(f, "__name__", "f")


def _pointwise(z: Any, shape: tuple, label: str) -> Any:
    """f's value on the grid, checked to be one value per point."""
    if not isinstance(z, TensorBase):
        z = creation.tensor(xp.asarray(z, dtype=xp.float64))
    if z.shape == shape:
        return z
    if z.data.size == 1:  # a constant function
        return z.reshape(()) + creation.zeros(shape)
    raise ValueError(
        f"{label} returned shape {z.shape} on a grid of shape {shape}: a plotted function must be pointwise "
        "(one value per grid point), e.g. lambda x, y: x**2 + 3*y"
    )


def grid_values(f: Callable | str, xlim: Sequence[float] = (-2, 2), ylim: Sequence[float] = (-2, 2),
                n: int = 100, gradient: bool = False) -> tuple[Any, Any, Any, Any, Any]:
    """X, Y, Z = f(X, Y) on an n x n grid (f evaluated once, with ndgrad tensors),
    and the gradient components dZ/dX, dZ/dY (None unless `gradient`), as NumPy arrays."""
    fn, label = _as_function(f, 2)
    xs, ys = xp.linspace(*xlim, n), xp.linspace(*ylim, n)
    gx, gy = xp.meshgrid(xs, ys)  # 'xy' indexing: rows follow y, as matplotlib expects
    X = creation.tensor(gx, requires_grad=gradient)
    Y = creation.tensor(gy, requires_grad=gradient)
    with xp.errstate(all="ignore"):
        Z = _pointwise(fn(X, Y), gx.shape, label)
        dX = dY = None
        if gradient:
            # One backward of sum(Z): a pointwise f makes each grid point's gradient its own.
            dX, dY = (xp.asarray(g.data) for g in calculus.partials(Z, [X, Y]))
    return gx, gy, xp.asarray(Z.data, dtype=xp.float64), dX, dY


def _axes(ax: Any, projection: str | None = None) -> tuple[Any, Any]:
    if ax is not None:
        return ax.figure, ax
    plt = _pyplot()
    fig = plt.figure()
    return fig, fig.add_subplot(projection=projection)


def contour(f: Callable | str, xlim: Sequence[float] = (-2, 2), ylim: Sequence[float] = (-2, 2), levels: int = 20,
            gradient: bool = False, ax: Any = None, *, n: int = 100, arrows: int = 12, title: str | None = None,
            cmap: str = "viridis") -> ContourPlot:
    """Filled contours of f(x, y) with a colorbar, title and axis labels (the seed's Step 4
    figure); `gradient=True` overlays the gradient field as arrows (about `arrows` per side)."""
    X, Y, Z, dX, dY = grid_values(f, xlim, ylim, n, gradient)
    fig, ax = _axes(ax)
    filled = ax.contourf(X, Y, Z, levels=levels, cmap=cmap)
    colorbar = fig.colorbar(filled, ax=ax)
    colorbar.set_label("f(x, y)")
    quiver = None
    if gradient:
        step = max(1, n // arrows)
        start = (n - 1) % step // 2  # centre the arrow grid
        pick = (slice(start, None, step), slice(start, None, step))
        quiver = _arrows(ax, X[pick], Y[pick], dX[pick], dY[pick], spacing=min(
            step * (xlim[1] - xlim[0]) / (n - 1), step * (ylim[1] - ylim[0]) / (n - 1)))
    label = title if title is not None else _title(f)
    ax.set_title(label + ("  (arrows: gradient)" if gradient and title is None else ""))
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    return ContourPlot(fig, ax, filled, colorbar, quiver)


def _arrows(ax: Any, X: Any, Y: Any, U: Any, V: Any, spacing: float) -> Any:
    """Gradient arrows in data units, the longest one almost reaching its neighbour."""
    longest = float(xp.nanmax(xp.hypot(U, V))) if U.size else 0.0
    scale = longest / (0.9 * spacing) if xp.isfinite(longest) and longest > 0 else None
    return ax.quiver(X, Y, U, V, color="white", alpha=0.9, label="gradient", angles="xy", scale_units="xy",
                     scale=scale, width=0.004)


def _title(f: Callable | str) -> str:
    if isinstance(f, str):
        return f"f(x, y) = {pretty(f.strip())}"
    return f"{getattr(f, '__name__', 'f')}(x, y)"


def surface(f: Callable | str, xlim: Sequence[float] = (-2, 2), ylim: Sequence[float] = (-2, 2),
            ax: Any = None, *, n: int = 60, title: str | None = None, cmap: str = "viridis") -> SurfacePlot:
    """f(x, y) as a 3-D surface (f evaluated once on the grid by ndgrad)."""
    X, Y, Z, _, _ = grid_values(f, xlim, ylim, n)
    fig, ax = _axes(ax, projection="3d")
    surf = ax.plot_surface(X, Y, Z, cmap=cmap, linewidth=0, antialiased=True)
    ax.set_title(title if title is not None else _title(f))
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_zlabel("f(x, y)")
    return SurfacePlot(fig, ax, surf)


def jacobian_heatmap(J: Any, row_labels: Sequence[str] | None = None, col_labels: Sequence[str] | None = None,
                     ax: Any = None, *, annotate: bool = True, title: str = "Jacobian",
                     cmap: str = "coolwarm") -> HeatmapPlot:
    """A matrix (a Jacobian: rows = outputs, columns = inputs) as a colour grid, values written in."""
    M = xp.asarray(J.data if isinstance(J, TensorBase) else J, dtype=xp.float64)
    if M.ndim == 1:
        M = M.reshape(1, -1)
    if M.ndim != 2:
        raise ValueError(f"jacobian_heatmap draws a matrix; got shape {M.shape}. Reshape it to 2-D first.")
    rows, cols = M.shape
    fig, ax = _axes(ax)
    limit = float(xp.max(xp.abs(M))) if M.size and xp.isfinite(M).all() else 1.0
    image = ax.imshow(M, cmap=cmap, vmin=-limit or -1, vmax=limit or 1)
    colorbar = fig.colorbar(image, ax=ax)
    ax.set_xticks(range(cols), col_labels if col_labels is not None else [f"x{j + 1}" for j in range(cols)])
    ax.set_yticks(range(rows), row_labels if row_labels is not None else [f"f{i + 1}" for i in range(rows)])
    ax.set_xlabel("inputs (columns)")
    ax.set_ylabel("outputs (rows)")
    ax.set_title(title)
    if annotate:
        for i in range(rows):
            for j in range(cols):
                ax.text(j, i, f"{M[i, j]:.4g}", ha="center", va="center", color="black")
    return HeatmapPlot(fig, ax, image, colorbar)


def tangent_line(f: Callable | str, x0: float, xlim: Sequence[float] | None = None, ax: Any = None, *,
                 n: int = 200, title: str | None = None) -> TangentPlot:
    """A 1-D function and its tangent at x0: the slope is f'(x0), computed by ndgrad."""
    fn, label = _as_function(f, 1)
    lo, hi = xlim if xlim is not None else (x0 - 3.0, x0 + 3.0)
    xs = xp.linspace(lo, hi, n)
    with xp.errstate(all="ignore"):
        ys = xp.asarray(_pointwise(fn(creation.tensor(xs)), xs.shape, label).data, dtype=xp.float64)
        y0, slope = calculus.derivative_1d(fn, float(x0))
    fig, ax = _axes(ax)
    (curve,) = ax.plot(xs, ys, label=f"f(x) = {label}" if isinstance(f, str) else label)
    (tangent,) = ax.plot(xs, y0 + slope * (xs - x0), "--", label=f"tangent at x = {x0:g}, slope {slope:.4g}")
    (point,) = ax.plot([x0], [y0], "o", color="black")
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.set_title(title if title is not None else f"f and its tangent at x = {x0:g}")
    ax.legend()
    return TangentPlot(fig, ax, curve, tangent, point, slope)
