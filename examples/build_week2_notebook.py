"""Write examples/week2.ipynb: the week-2 lesson, worked with ndgrad.

    python examples/build_week2_notebook.py            # cells only
    python examples/build_week2_notebook.py --execute  # and run them, keeping the outputs

The notebook is generated so that its source lives in one reviewable Python
file; tests/test_notebook.py checks that the two agree and runs the notebook.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

NOTEBOOK = Path(__file__).with_name("week2.ipynb")

CELLS: list[tuple[str, str]] = [
    ("md", """# Week 2 with ndgrad: tensors and mathematical foundations

The week's lesson, worked with **ndgrad**: tensors on NumPy, gradients by automatic
differentiation (reverse mode, like PyTorch's `backward()`), Jacobians, and pictures of them.
Every number below is computed by ndgrad, and every cell checks itself with `assert`."""),
    ("code", """import math

import numpy as np

import ndgrad as nd

%matplotlib inline"""),
    ("md", """## 1. Tensors

A tensor is a multi-dimensional array. Its **rank** (`ndim`) is the number of axes and its
**shape** the length of each axis."""),
    ("code", """scalar = nd.tensor(5.0)                    # 0-D
vector = nd.tensor([1.0, 2.0, 3.0])        # 1-D
matrix = nd.tensor([[1, 2], [3, 4]])       # 2-D
image = nd.zeros((32, 32, 3))              # 3-D: height x width x colour channels
for name, t in [("scalar", scalar), ("vector", vector), ("matrix", matrix), ("image", image)]:
    print(f"{name:7} shape {str(t.shape):12} rank {t.ndim}")
assert [t.ndim for t in (scalar, vector, matrix, image)] == [0, 1, 2, 3]"""),
    ("md", """## 2. Tensor operations

**Reshaping** changes the dimensions, not the data. **Broadcasting** lines shapes up from the
right and stretches axes of length 1. **Einsum** names the indices: `'ij,jk->ik'` sums over `j`,
which is matrix multiplication."""),
    ("code", """reshaped = matrix.reshape(4, 1)
print(reshaped.shape)

a = nd.tensor([1, 2, 3])         # shape (3,)
b = nd.tensor([[10], [20]])      # shape (2, 1)
result = a + b                   # shape (2, 3)
print(result)
assert result.shape == (2, 3) and result.tolist() == [[11, 12, 13], [21, 22, 23]]"""),
    ("code", """A = nd.tensor([[1, 2], [3, 4]])
B = nd.tensor([[5, 6], [7, 8]])
C = nd.einsum('ij,jk->ik', A, B)
print(C)
assert C.tolist() == [[19, 22], [43, 50]] and nd.array_equal(C, A @ B)"""),
    ("md", """## 3. Automatic differentiation

`requires_grad=True` makes ndgrad record the operations; `backward()` computes the gradient
and stores it in `.grad`. For $y = x^2 + 2x + 1$, $dy/dx = 2x + 2$, which is 8 at $x = 3$."""),
    ("code", """x = nd.tensor(3.0, requires_grad=True)
y = x**2 + 2*x + 1
nd.draw_graph(y, names={"x": x})   # the recorded graph (SVG with Graphviz installed, else DOT text)"""),
    ("code", """y.backward()
print(x.grad)
assert x.grad.item() == 8.0"""),
    ("md", """## 4. The Jacobian matrix

For $f(x, y) = [x^2 + 3y,\\ 5x + y^3]$ the Jacobian is
$J = \\begin{bmatrix} 2x & 3 \\\\ 5 & 3y^2 \\end{bmatrix}$: rows are outputs, columns are inputs.
`nd.jacobian` works like `torch.autograd.functional.jacobian` (the lesson's tip); `nd.func.jacrev`
like JAX's `jacrev`."""),
    ("code", """def f(v):
    x, y = v[0], v[1]
    return nd.stack([x**2 + 3*y, 5*x + y**3])

J = nd.func.jacrev(f)(nd.tensor([2.0, 4.0]))
print(J)
assert J.tolist() == [[4.0, 3.0], [5.0, 48.0]]
nd.plot.jacobian_heatmap(J, ["f1 = x² + 3y", "f2 = 5x + y³"], ["x", "y"], title="J at (x=2, y=4)");"""),
    ("md", """## Mini exercises

1. Reshape `[1, 2, 3, 4, 5, 6]` into a 3x2 matrix.
2. The derivative of $y = 2x^3 + \\sin(x)$ at $x = \\pi$: $6x^2 + \\cos(x) = 6\\pi^2 - 1 \\approx 58.2176$."""),
    ("code", """m = nd.tensor([1, 2, 3, 4, 5, 6]).reshape(3, 2)
print(m)
assert m.tolist() == [[1, 2], [3, 4], [5, 6]]

x = nd.tensor(np.pi, requires_grad=True)
y = 2 * x**3 + nd.sin(x)
y.backward()
print(f"{x.grad.item():.4f}")
assert abs(x.grad.item() - (6 * math.pi**2 - 1)) < 1e-9"""),
    ("code", """# The derivative is the slope of the tangent line.
nd.plot.tangent_line(lambda x: 2 * x**3 + nd.sin(x), math.pi, xlim=(0, 4));"""),
    ("md", """## Project: compute the Jacobian of $f(x, y) = x^2 + 3y$

Step 1 defines $f$; step 2 differentiates by hand ($\\partial f/\\partial x = 2x$,
$\\partial f/\\partial y = 3$); step 3 codes it; ndgrad gives the same numbers automatically."""),
    ("code", """def f(x, y):
    return x**2 + 3*y

def jacobian_by_hand(x, y):
    return [[2 * x, 3]]

x = nd.tensor(2.0, requires_grad=True)
y = nd.tensor(4.0, requires_grad=True)
f(x, y).backward()
automatic = [[x.grad.item(), y.grad.item()]]
print("by hand:", jacobian_by_hand(2, 4), " ndgrad:", automatic)
assert automatic == jacobian_by_hand(2, 4) == [[4, 3]]
print(nd.jacobian(f, (nd.tensor(2.0), nd.tensor(4.0))))"""),
    ("md", """Step 4: visualise $f$. ndgrad evaluates $f$ once on the whole grid, and one backward pass
over the sum gives the gradient at every point, drawn as arrows: $(2x, 3)$ points uphill."""),
    ("code", """drawn = nd.plot.contour(f, xlim=(-2, 2), ylim=(-2, 2), levels=20, gradient=True,
                        title="f(x, y) = x² + 3y")
assert drawn.quiver is not None"""),
    ("code", """nd.plot.surface(f, title="f(x, y) = x² + 3y");"""),
    ("md", """## Questions

1. The rank of a 3x2x4 tensor. 2. What broadcasting allows. 3. The gradient of $y = 3x^2$ at
$x = 2$. 4. The Jacobian of $f(x, y) = [x + y,\\ xy]$, which is $\\begin{bmatrix} 1 & 1 \\\\ y & x
\\end{bmatrix}$."""),
    ("code", """print("1. rank:", nd.zeros((3, 2, 4)).ndim)

print("2. arithmetic on different shapes by expanding them:", (nd.ones(3) + nd.ones((2, 1))).shape)

x = nd.tensor(2.0, requires_grad=True)
(3 * x**2).backward()
print("3. dy/dx = 6x =", x.grad.item())

J = nd.func.jacrev(lambda v: nd.stack([v[0] + v[1], v[0] * v[1]]))(nd.tensor([3.0, 2.0]))
print("4. J at (x=3, y=2):", J.tolist(), "= [[1, 1], [y, x]]")
assert J.tolist() == [[1.0, 1.0], [2.0, 3.0]] and x.grad.item() == 12.0"""),
    ("md", """Try them yourself in a terminal: `ndgrad practice` asks these questions and checks your
answers with ndgrad; `ndgrad tour` walks through the whole lesson."""),
]


def build() -> nbformat.NotebookNode:
    """The notebook, cells only."""
    cells = [new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in CELLS]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def kernel_dir(root: Path) -> Path:
    """A Jupyter data folder whose `python3` kernel is this very interpreter (with ndgrad installed)."""
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Python 3", "language": "python"}))
    return root


def execute(nb: nbformat.NotebookNode, cwd: Path, timeout: int = 300) -> nbformat.NotebookNode:
    """Run every cell with this interpreter's kernel; raises on the first failing cell."""
    import os

    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory() as tmp:
        previous = os.environ.get("JUPYTER_PATH")
        os.environ["JUPYTER_PATH"] = str(kernel_dir(Path(tmp)))
        try:
            client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                    resources={"metadata": {"path": str(cwd)}})
            client.execute()
        finally:
            if previous is None:
                os.environ.pop("JUPYTER_PATH", None)
            else:
                os.environ["JUPYTER_PATH"] = previous
    return nb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--execute", action="store_true", help="run the cells and keep their outputs")
    parser.add_argument("-o", "--output", type=Path, default=NOTEBOOK, help="where to write the notebook")
    args = parser.parse_args()
    nb = build()
    if args.execute:
        execute(nb, args.output.parent)
    nbformat.write(nb, args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
