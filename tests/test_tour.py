"""`ndgrad tour` end to end: the seed's numbers, computed and printed, and the figure saved."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from ndgrad.faces.cli import main
from ndgrad.faces.tour import CONTOUR_FILE, SECTIONS


@pytest.fixture(scope="module")
def full_tour(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, float]:
    out_dir = tmp_path_factory.mktemp("tour")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "ndgrad.faces.cli", "tour", "--out", str(out_dir)],
                          capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    # No traceback, no warning (matplotlib may note that it builds its font cache on a fresh machine).
    assert "Traceback" not in done.stderr and "Warning" not in done.stderr
    return done.stdout, out_dir, elapsed


@pytest.mark.parametrize(
    "expected",
    [
        "scalar: shape (), rank (ndim) 0",
        "vector: shape (3,), rank (ndim) 1",
        "matrix: shape (2, 2), rank (ndim) 2",
        "image: shape (4, 4, 3), rank (ndim) 3",
        "shape (2, 2) -> (4, 1)",
        "[[11, 12, 13],",
        "[21, 22, 23]]",
        "[[19, 22],",
        "[43, 50]]",
        "same as A @ B: True",
        "dy/dx = 2x + 2 = 2*3 + 2 = 8.0",
        "ndgrad J = [[4, 3], [5, 48]]",
        "manual    jacobian(2, 4) = [[4, 3]]",
        "automatic jacobian(2, 4) = [[4, 3]]",
        "equal: True",
        "[5, 6]])",
        "58.2176   (by hand",
        "rank 3 (3 dimensions)",
        "(3,) + (2, 1) -> (2, 3)",
        "ndgrad at x = 2: 12",
        "ndgrad at (x=3, y=2): [[1, 1], [2, 3]]",
    ],
)
def test_the_tour_prints_the_seeds_numbers(full_tour: tuple[str, Path, float], expected: str) -> None:
    assert expected in full_tour[0]


def test_broadcast_shapes_are_aligned_from_the_right(full_tour: tuple[str, Path, float]) -> None:
    lines = full_tour[0].splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("a    (3,)"))
    rows = lines[start:start + 3]
    assert [row.split()[-1] for row in rows] == ["(3,)", "1)", "3)"]
    assert len({len(row) for row in rows}) == 1  # right edges line up


def test_the_figure_is_saved_and_its_path_printed(full_tour: tuple[str, Path, float]) -> None:
    stdout, out_dir, _ = full_tour
    figure = out_dir / CONTOUR_FILE
    assert f"saved the figure to {figure}" in stdout
    assert figure.read_bytes()[:4] == b"\x89PNG" and figure.stat().st_size > 10_000


def test_the_tour_takes_under_ten_seconds(full_tour: tuple[str, Path, float]) -> None:
    assert full_tour[2] < 10.0


def test_every_section_in_order(full_tour: tuple[str, Path, float]) -> None:
    stdout = full_tour[0]
    positions = [stdout.index(marker) for marker in ("== 1. Tensors", "== 2. Tensor operations", "== 3. Automatic",
                                                       "== 4. Jacobian", "== Step 4", "== The computation graph",
                                                       "== Mini exercises", "== Questions")]
    assert positions == sorted(positions)


def test_list_sections(capsys: pytest.CaptureFixture) -> None:
    assert main(["tour", "--list"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert names == list(SECTIONS)


def test_one_section(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    assert main(["tour", "--section", "autograd", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "8.0" in out and "Tensors" not in out and "58.2176" not in out
    assert not list(tmp_path.iterdir())  # only the plot and graph sections write files


def test_plot_section_writes_into_out(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    target = tmp_path / "new" / "dir"
    assert main(["tour", "--section", "plot", "--out", str(target)]) == 0
    assert (target / CONTOUR_FILE).exists()
    assert str(target / CONTOUR_FILE) in capsys.readouterr().out


def test_unknown_section(capsys: pytest.CaptureFixture) -> None:
    assert main(["tour", "--section", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ndgrad: error: no tour section 'nope'") and "tensors" in err
