"""ndgrad.plot: the figures hold the expected artists, and the numbers drawn are ndgrad's."""

from __future__ import annotations

import math
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import ndgrad as nd  # noqa: E402
from ndgrad.faces import plot  # noqa: E402


@pytest.fixture(autouse=True)
def _no_show_and_close(monkeypatch: pytest.MonkeyPatch):
    def refuse(*args, **kwargs):
        raise AssertionError("ndgrad.plot must never call plt.show()")

    monkeypatch.setattr(plt, "show", refuse)
    yield
    plt.close("all")


def test_contour_is_the_seed_figure() -> None:
    drawn = nd.plot.contour("x**2 + 3*y")
    assert drawn.ax.get_title() == "f(x, y) = x² + 3y"
    assert (drawn.ax.get_xlabel(), drawn.ax.get_ylabel()) == ("x", "y")
    levels = drawn.contour.levels
    assert 15 <= len(levels) <= 25  # levels=20, rounded to nice values by matplotlib
    assert levels[0] <= -6 and levels[-1] >= 10  # f ranges from -6 at (0, -2) to 10 at (±2, 2)
    assert drawn.colorbar is not None and len(drawn.fig.axes) == 2
    assert drawn.quiver is None


def test_gradient_arrows_are_ndgrads_gradient() -> None:
    drawn = nd.plot.contour(lambda x, y: nd.sin(x) * y, gradient=True, arrows=10)
    q = drawn.quiver
    assert q is not None and q.N >= 81
    X, Y = q.X.ravel(), q.Y.ravel()
    np.testing.assert_allclose(q.U.ravel(), np.cos(X) * Y, atol=1e-12)
    np.testing.assert_allclose(q.V.ravel(), np.sin(X), atol=1e-12)


def test_f_is_evaluated_once_on_the_whole_grid() -> None:
    calls = []

    def f(x, y):
        calls.append(x.shape)
        return x**2 + 3 * y

    X, Y, Z, dX, dY = plot.grid_values(f, (-2, 2), (-1, 1), n=50, gradient=True)
    assert calls == [(50, 50)]
    np.testing.assert_allclose(Z, X**2 + 3 * Y)
    np.testing.assert_allclose(dX, 2 * X)
    np.testing.assert_allclose(dY, np.full_like(Y, 3.0))
    assert X[0, 0] == -2 and X[0, -1] == 2 and Y[0, 0] == -1 and Y[-1, 0] == 1


def test_a_constant_function_fills_the_grid() -> None:
    _, _, Z, dX, _ = plot.grid_values("3", n=4, gradient=True)
    np.testing.assert_array_equal(Z, np.full((4, 4), 3.0))
    np.testing.assert_array_equal(dX, np.zeros((4, 4)))


def test_a_function_that_is_not_pointwise_is_refused() -> None:
    with pytest.raises(ValueError, match="pointwise"):
        plot.contour(lambda x, y: (x + y).sum(axis=0))


def test_expression_with_a_third_variable_is_refused() -> None:
    with pytest.raises(ValueError, match="uses z"):
        plot.contour("x + z")


def test_png_written(tmp_path) -> None:
    drawn = nd.plot.contour("x**2 + 3*y", gradient=True)
    target = tmp_path / "f.png"
    drawn.fig.savefig(target)
    assert target.read_bytes()[:4] == b"\x89PNG" and target.stat().st_size > 5000


def test_draws_into_a_given_axes() -> None:
    fig, (left, right) = plt.subplots(1, 2)
    drawn = nd.plot.contour("x*y", ax=right)
    assert drawn.ax is right and drawn.fig is fig and not left.collections


def test_surface() -> None:
    drawn = nd.plot.surface(lambda x, y: x**2 - y**2, n=20)
    assert drawn.ax.name == "3d"
    assert drawn.ax.get_zlabel() == "f(x, y)"
    z = drawn.surface.get_array()  # colours follow the heights
    assert z.min() == pytest.approx(-4, abs=0.5) and z.max() == pytest.approx(4, abs=0.5)


def test_jacobian_heatmap() -> None:
    J = [[4, 3], [5, 48]]
    drawn = nd.plot.jacobian_heatmap(nd.tensor(J), ["f1", "f2"], ["x", "y"])
    np.testing.assert_array_equal(drawn.image.get_array(), J)
    assert [t.get_text() for t in drawn.ax.texts] == ["4", "3", "5", "48"]
    assert [t.get_text() for t in drawn.ax.get_xticklabels()] == ["x", "y"]
    assert [t.get_text() for t in drawn.ax.get_yticklabels()] == ["f1", "f2"]


def test_jacobian_heatmap_refuses_3d() -> None:
    with pytest.raises(ValueError, match="matrix"):
        nd.plot.jacobian_heatmap(np.zeros((2, 2, 2)))


def test_tangent_line_has_the_derivative_as_slope() -> None:
    drawn = nd.plot.tangent_line("2*x**3 + sin(x)", math.pi)
    assert drawn.slope == pytest.approx(6 * math.pi**2 - 1)
    xs, ys = drawn.curve.get_data()
    np.testing.assert_allclose(ys, 2 * xs**3 + np.sin(xs))
    tx, ty = drawn.tangent.get_data()
    np.testing.assert_allclose(ty, 2 * math.pi**3 + drawn.slope * (tx - math.pi), rtol=1e-12)
    px, py = drawn.point.get_data()
    assert px[0] == math.pi and py[0] == pytest.approx(2 * math.pi**3)


def test_missing_matplotlib_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"pip install 'ndgrad\[plot\]'"):
        plot.contour("x + y")


def test_importing_ndgrad_does_not_load_matplotlib() -> None:
    code = "import sys, ndgrad, ndgrad.faces.plot, ndgrad.faces.graph; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
