"""examples/: the week-2 notebook runs top to bottom, matches its generator, and the scripts run."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import nbformat

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load_generator():
    spec = importlib.util.spec_from_file_location("build_week2_notebook", EXAMPLES / "build_week2_notebook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_notebook_matches_its_generator() -> None:
    committed = nbformat.read(EXAMPLES / "week2.ipynb", as_version=4)
    built = load_generator().build()
    assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in built.cells], (
        "examples/week2.ipynb is out of date: run python examples/build_week2_notebook.py --execute"
    )


def test_the_notebook_runs_and_shows_the_seeds_numbers(tmp_path: Path) -> None:
    generator = load_generator()
    nb = generator.execute(generator.build(), tmp_path)  # raises CellExecutionError if any cell fails
    text, images = [], 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error"
            text.append(output.get("text", "") + output.get("data", {}).get("text/plain", ""))
            images += "image/png" in output.get("data", {})
    printed = "\n".join(text)
    for expected in ["tensor([[19, 22],", "tensor(8.)", "58.2176", "by hand: [[4, 3]]  ndgrad: [[4.0, 3.0]]",
                     "1. rank: 3", "3. dy/dx = 6x = 12.0", "[[1.0, 1.0], [2.0, 3.0]]", "digraph ndgrad"]:
        assert expected in printed
    assert images == 4  # heatmap, tangent line, contour with gradient, surface: all inline


def run_example(name: str, *args: str, cwd: Path) -> str:
    done = subprocess.run([sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_quickstart(tmp_path: Path) -> None:
    out = run_example("quickstart.py", cwd=tmp_path)
    assert "einsum('ij,jk->ik', A, B) = [[19, 22], [43, 50]]" in out
    assert "d/dx (x**2 + 2x + 1) at 3 = 8.0" in out
    assert "d/dx (2x**3 + sin x) at pi = 58.2176" in out and "nd.grad(f)(pi) = 58.2176" in out


def test_jacobian_walkthrough(tmp_path: Path) -> None:
    out = run_example("jacobian_walkthrough.py", "--out", "walk.png", cwd=tmp_path)
    assert "by hand:   [[4, 3]]" in out and "by ndgrad: [[4.0, 3.0]]" in out
    assert (tmp_path / "walk.png").stat().st_size > 10_000


def test_readme_figure_script(tmp_path: Path) -> None:
    run_example("make_readme_figure.py", "--out", str(tmp_path / "readme.png"), cwd=tmp_path)
    png = (tmp_path / "readme.png").read_bytes()
    assert png[:4] == b"\x89PNG" and len(png) > 10_000
    assert (EXAMPLES.parent / "docs" / "images" / "contour_gradient.png").stat().st_size > 10_000
