"""`ndgrad tour`: the week-2 lesson in the terminal, every number computed by ndgrad.

Sections follow the lesson: tensors, operations (reshape, broadcasting,
einsum), autograd, the Jacobian project, its Step 4 figure, the computation
graph, the mini exercises and the four questions.  `run()` prints them; the
CLI passes `--section`, `--list` and `--out`.
"""

from __future__ import annotations

import math
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import ndgrad as nd

from . import calculus, text
from .errors import UsageError
from .expr import parse

__all__ = ["SECTIONS", "run"]

CONTOUR_FILE = "week2_contour.png"
GRAPH_FILE = "week2_graph.dot"


@dataclass
class Tour:
    """Where the tour writes: the terminal and a folder for files."""

    out: TextIO
    out_dir: Path

    def say(self, line: str = "") -> None:
        print(line, file=self.out)

    def code(self, line: str) -> None:
        print(f">>> {line}", file=self.out)

    def result(self, value: Any) -> None:
        print("    " + str(value).replace("\n", "\n    "), file=self.out)

    def heading(self, title: str) -> None:
        self.say()
        self.say(f"== {title} ==")


def _shape_line(name: str, t: Any) -> str:
    return f"{name}: shape {t.shape}, rank (ndim) {t.ndim}"


# ------------------------------------------------------------------ sections


def tensors(tour: Tour) -> None:
    tour.heading("1. Tensors: multi-dimensional arrays of numbers")
    examples = [
        ("scalar", "nd.tensor(5.0)", nd.tensor(5.0), "a single number: 0-D"),
        ("vector", "nd.tensor([1.0, 2.0, 3.0])", nd.tensor([1.0, 2.0, 3.0]), "a 1-D array"),
        ("matrix", "nd.tensor([[1, 2], [3, 4]])", nd.tensor([[1, 2], [3, 4]]), "a 2-D grid"),
        ("image", "nd.zeros((4, 4, 3))", nd.zeros((4, 4, 3)), "3-D: height x width x colour channels"),
    ]
    for name, code, t, meaning in examples:
        tour.code(f"{name} = {code}")
        if t.ndim < 3:
            tour.result(t)
        tour.result(f"{_shape_line(name, t)}   ({meaning})")
    tour.say("The rank is the number of axes; the shape says how long each axis is.")


def operations(tour: Tour) -> None:
    tour.heading("2. Tensor operations: reshape, broadcasting, einsum")
    matrix = nd.tensor([[1, 2], [3, 4]])
    tour.code("matrix = nd.tensor([[1, 2], [3, 4]]); reshaped = matrix.reshape(4, 1)")
    reshaped = matrix.reshape(4, 1)
    tour.result(reshaped)
    tour.result(f"shape {matrix.shape} -> {reshaped.shape}: same 4 numbers, new dimensions")

    tour.say()
    tour.say("Broadcasting: shapes are lined up from the right; a 1 stretches to match.")
    a, b = nd.tensor([1, 2, 3]), nd.tensor([[10], [20]])
    tour.code("a = nd.tensor([1, 2, 3]); b = nd.tensor([[10], [20]]); result = a + b")
    result = a + b
    shapes = [("a", a.shape), ("b", b.shape), ("a + b", result.shape)]
    width = max(len(str(s)) for _, s in shapes)
    for name, shape in shapes:
        tour.result(f"{name:>6}  {str(shape):>{width}}")
    tour.result(result)

    tour.say()
    tour.say("Einsum: 'ij,jk->ik' multiplies matrices (sum over the shared index j).")
    A, B = nd.tensor([[1, 2], [3, 4]]), nd.tensor([[5, 6], [7, 8]])
    tour.code("A = nd.tensor([[1, 2], [3, 4]]); B = nd.tensor([[5, 6], [7, 8]])")
    tour.code("C = nd.einsum('ij,jk->ik', A, B)")
    C = nd.einsum("ij,jk->ik", A, B)
    tour.result(C)
    tour.result(f"same as A @ B: {nd.array_equal(C, A @ B)}")


def autograd(tour: Tour) -> None:
    tour.heading("3. Automatic differentiation (autograd)")
    tour.say("Gradients say how to change the inputs to change the output: training follows them downhill.")
    tour.code("x = nd.tensor(3.0, requires_grad=True)")
    tour.code("y = x**2 + 2*x + 1      # y = x² + 2x + 1")
    tour.code("y.backward()            # compute dy/dx")
    tour.code("x.grad")
    x = nd.tensor(3.0, requires_grad=True)
    y = x**2 + 2 * x + 1
    y.backward()
    tour.result(x.grad)
    tour.result(f"dy/dx = 2x + 2 = 2*3 + 2 = {float(x.grad.data)}")


def jacobian(tour: Tour) -> None:
    tour.heading("4. Jacobian matrix: every first-order partial derivative of a vector function")
    f = parse("x**2 + 3*y, 5*x + y**3")
    tour.say("f(x, y) = [x² + 3y, 5x + y³];  by hand J = [[2x, 3], [5, 3y²]]")
    at = {"x": 2.0, "y": 4.0}
    J = calculus.jacobian_at(f, at).matrix
    by_hand = [[2 * at["x"], 3], [5, 3 * at["y"] ** 2]]
    tour.result(f"at (x=2, y=4): ndgrad J = {text.nested(J)}, by hand {text.nested(by_hand)}")
    tour.result("rows = outputs f1, f2; columns = variables x, y; shape " + str(J.shape))

    tour.say()
    tour.say("Project walkthrough: f(x, y) = x² + 3y")
    tour.say("  Step 2, by hand: df/dx = 2x, df/dy = 3")
    tour.code("def jacobian(x, y): return [[2*x, 3]]        # Step 3, manual")
    manual = [[2 * 2, 3]]
    tour.result(f"manual    jacobian(2, 4) = {text.nested(manual)}")
    x = nd.tensor(2.0, requires_grad=True)
    y = nd.tensor(4.0, requires_grad=True)
    tour.code("x, y = nd.tensor(2.0, requires_grad=True), nd.tensor(4.0, requires_grad=True)")
    tour.code("(x**2 + 3*y).backward(); [[x.grad, y.grad]]       # automatic")
    (x**2 + 3 * y).backward()
    automatic = [[float(x.grad.data), float(y.grad.data)]]
    tour.result(f"automatic jacobian(2, 4) = {text.nested(automatic)}")
    tour.result(f"equal: {automatic == [[float(v) for v in row] for row in manual]}")


def figure(tour: Tour) -> None:
    tour.heading("Step 4: visualise f(x, y) = x² + 3y, with its gradient field")
    from . import plot

    plt = plot.headless_pyplot()
    tour.code("nd.plot.contour(lambda x, y: x**2 + 3*y, xlim=(-2, 2), ylim=(-2, 2), levels=20, gradient=True)")
    drawn = plot.contour(lambda x, y: x**2 + 3 * y, (-2, 2), (-2, 2), levels=20, gradient=True,
                         title="f(x, y) = x² + 3y")
    tour.out_dir.mkdir(parents=True, exist_ok=True)
    path = tour.out_dir / CONTOUR_FILE
    drawn.fig.savefig(path, dpi=100)
    plt.close(drawn.fig)
    tour.result(f"f evaluated once on a 100 x 100 grid; {drawn.quiver.N} gradient arrows from one backward pass")
    tour.result("the arrows point uphill: gradient (2x, 3), steepest where |x| is large")
    tour.say(f"saved the figure to {path}")


def graph(tour: Tour) -> None:
    tour.heading("The computation graph behind y = x**2 + 2*x + 1")
    from .graph import draw_graph

    x = nd.tensor(3.0, requires_grad=True)
    y = x**2 + 2 * x + 1
    tour.code("nd.draw_graph(y, names={'x': x})")
    drawing = draw_graph(y, names={"x": x})
    labels = [line.split('label="')[1].split("\\n")[0] for line in drawing.splitlines() if 'label="' in line]
    ops = [label for label in labels if label != "x"]
    tour.result(f"{drawing.node_count} boxes: the leaf x and {len(ops)} operations ({', '.join(ops)})")
    tour.result("backward() walks these boxes from the output back to x, multiplying local derivatives")
    tour.out_dir.mkdir(parents=True, exist_ok=True)
    path = drawing.render(tour.out_dir / GRAPH_FILE)
    tour.say(f"saved the DOT text to {path}")
    if shutil.which("dot"):
        svg = drawing.render(path.with_suffix(".svg"))
        tour.say(f"saved the drawing to {svg}")
    else:
        tour.say("(install Graphviz to draw it: dot -Tsvg week2_graph.dot -o graph.svg)")


def exercises(tour: Tour) -> None:
    tour.heading("Mini exercises")
    tour.say("1. Reshape the 1-D tensor [1, 2, 3, 4, 5, 6] into a 3x2 matrix.")
    tour.code("nd.tensor([1, 2, 3, 4, 5, 6]).reshape(3, 2)")
    tour.result(nd.tensor([1, 2, 3, 4, 5, 6]).reshape(3, 2))
    tour.say("2. The derivative of y = 2x³ + sin(x) at x = pi.")
    tour.code("x = nd.tensor(nd.pi, requires_grad=True); (2*x**3 + nd.sin(x)).backward(); x.grad")
    x = nd.tensor(math.pi, requires_grad=True)
    (2 * x**3 + nd.sin(x)).backward()
    grad = float(x.grad.data)
    tour.result(f"{grad:.4f}   (by hand: 6x² + cos(x) = 6*pi**2 - 1 = {6 * math.pi**2 - 1:.4f})")


def questions(tour: Tour) -> None:
    tour.heading("Questions, answered by ndgrad")
    t = nd.zeros((3, 2, 4))
    tour.say("1. What is the rank of a 3x2x4 tensor?")
    tour.result(f"nd.zeros((3, 2, 4)).ndim = {t.ndim}: rank {t.ndim} (3 dimensions)")

    tour.say("2. What does broadcasting allow you to do?")
    result = nd.tensor([1, 2, 3]) + nd.tensor([[10], [20]])
    tour.result("Arithmetic on tensors of different shapes, by expanding them to a common shape:")
    tour.result(f"(3,) + (2, 1) -> {result.shape}, without copying the data by hand")

    tour.say("3. Compute the gradient of y = 3x² at x = 2.")
    x = nd.tensor(2.0, requires_grad=True)
    (3 * x**2).backward()
    tour.result(f"dy/dx = 6x; ndgrad at x = 2: {text.number(x.grad.data)}")

    tour.say("4. What is the Jacobian matrix of f(x, y) = [x + y, xy]?")
    f = parse("x + y, x*y")
    symbolic = parse("[[1, 1], [y, x]]", allow_lists=True)
    at = {"x": 3.0, "y": 2.0}
    J = calculus.jacobian_at(f, at).matrix
    expected = [[float(v.data) for v in row] for row in symbolic.evaluate(at)]
    tour.result("J = [[1, 1], [y, x]]")
    tour.result(f"ndgrad at (x=3, y=2): {text.nested(J)}; [[1, 1], [y, x]] there: {text.nested(expected)}")
    tour.say()
    tour.say("Next: `ndgrad practice` asks these questions and checks your answers.")


SECTIONS: dict[str, tuple[str, Callable[[Tour], None]]] = {
    "tensors": ("tensors of rank 0 to 3 and their shapes", tensors),
    "operations": ("reshape, broadcasting, einsum", operations),
    "autograd": ("x.grad of x**2 + 2*x + 1 at 3", autograd),
    "jacobian": ("the Jacobian, by hand and by ndgrad", jacobian),
    "plot": ("the Step 4 contour figure with the gradient field (a PNG)", figure),
    "graph": ("the recorded computation graph (DOT)", graph),
    "exercises": ("the mini exercises", exercises),
    "questions": ("the four questions, answered", questions),
}


def run(section: str | None = None, list_only: bool = False, out_dir: Path = Path("."),
        out: TextIO | None = None) -> int:
    """Print the tour (or one section of it); returns the exit status."""
    stream = out if out is not None else sys.stdout
    if list_only:
        for name, (about, _) in SECTIONS.items():
            print(f"{name:<11} {about}", file=stream)
        return 0
    if section is not None and section not in SECTIONS:
        raise UsageError(f"no tour section {section!r}; the sections are {', '.join(SECTIONS)}")
    tour = Tour(stream, Path(out_dir))
    if section is None:
        tour.say("ndgrad tour: week 2, tensors and gradients, every number computed by ndgrad")
        tour.say(f"sections: {', '.join(SECTIONS)} (one at a time: ndgrad tour --section NAME)")
    names = [section] if section is not None else list(SECTIONS)
    for name in names:
        SECTIONS[name][1](tour)
    return 0
