"""The `ndgrad` command line: the seed's numbers, JSON for scripts, and one clear line for mistakes."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from ndgrad.faces.cli import main


def ndgrad(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the command in a fresh interpreter, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "ndgrad.faces.cli", *args],
        capture_output=True, text=True, timeout=120, cwd=cwd,
    )


def in_process(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# ------------------------------------------------------------ through a subprocess


def test_grad_of_the_seed_exercise() -> None:
    done = ndgrad("grad", "2*x**3 + sin(x)", "--at", "x=pi")
    assert done.returncode == 0, done.stderr
    assert "df/dx = 58.2176" in done.stdout
    assert "at x = pi = 3.141592654" in done.stdout


def test_jacobian_is_a_labelled_matrix() -> None:
    done = ndgrad("jacobian", "x**2 + 3*y, 5*x + y**3", "--at", "x=2,y=4")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "J = [[4, 3], [5, 48]]" in lines
    header = next(line for line in lines if "d/dx" in line)
    assert header.split() == ["d/dx", "d/dy"]
    assert next(line for line in lines if "f1 = x**2 + 3*y" in line).split()[-2:] == ["4", "3"]
    assert next(line for line in lines if "f2 = 5*x + y**3" in line).split()[-2:] == ["5", "48"]


def test_json_output_parses() -> None:
    done = ndgrad("hessian", "x**2*y + y**3", "--at", "x=1,y=2", "--json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    # d2/dx2 = 2y, d2/dxdy = 2x, d2/dy2 = 6y
    assert payload["hessian"] == [[4.0, 2.0], [2.0, 12.0]]
    assert payload["value"] == 10.0 and payload["variables"] == ["x", "y"]


def test_plot_writes_a_png(tmp_path: Path) -> None:
    done = ndgrad("plot", "x**2 + 3*y", "--x", "-2:2", "--y", "-2:2", "--gradient", "-o", "f.png", "--json",
                  cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["path"] == "f.png"
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "args",
    [
        ["grad", "__import__('os').system('touch pwned')", "--at", "x=1"],
        ["grad", "x.__class__", "--at", "x=1"],
        ["jacobian", "x**2, y", "--at", "x=1"],
        ["grad", "x" * 100_000, "--at", "x=1"],
        ["plot", "x*y*z", "-o", "f.png"],
        ["tour", "--section", "nope"],
    ],
)
def test_mistakes_exit_2_with_one_line_and_no_traceback(args: list[str], tmp_path: Path) -> None:
    done = ndgrad(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("ndgrad: error: ")
    assert not (tmp_path / "pwned").exists()
    assert not (tmp_path / "f.png").exists()


# ------------------------------------------------------------ in process (faster)


def test_grad_json_gives_the_gradient_in_variable_order(capsys: pytest.CaptureFixture) -> None:
    status, out, _ = in_process(capsys, "grad", "y*x**2", "--at", "x=2,y=3", "--json")
    payload = json.loads(out)
    assert status == 0
    assert payload["variables"] == ["y", "x"]  # order of appearance
    assert payload["gradient"] == [4.0, 12.0]  # d/dy = x², d/dx = 2xy
    assert payload["at"] == {"x": 2.0, "y": 3.0}


def test_vars_choose_the_column_order(capsys: pytest.CaptureFixture) -> None:
    status, out, _ = in_process(capsys, "jacobian", "x**2 + 3*y, 5*x + y**3", "--at", "x=2,y=4", "--vars", "y,x",
                                "--json")
    assert status == 0
    assert json.loads(out)["jacobian"] == [[3.0, 4.0], [48.0, 5.0]]


def test_a_variable_only_in_at_has_derivative_zero(capsys: pytest.CaptureFixture) -> None:
    status, out, _ = in_process(capsys, "grad", "x**2", "--at", "x=3,z=1", "--json")
    assert status == 0 and json.loads(out)["gradient"] == [6.0, 0.0]


def test_bare_value_for_a_single_variable(capsys: pytest.CaptureFixture) -> None:
    status, out, _ = in_process(capsys, "grad", "3*x**2", "--at", "2")
    assert status == 0 and "df/dx = 12" in out


def test_at_values_are_expressions(capsys: pytest.CaptureFixture) -> None:
    status, out, _ = in_process(capsys, "grad", "sin(x)", "--at", "x=atan2(1, 1)*2", "--json")
    assert status == 0
    assert json.loads(out)["gradient"][0] == pytest.approx(math.cos(math.pi / 2), abs=1e-12)


def test_graph_prints_dot_with_gradients(capsys: pytest.CaptureFixture) -> None:
    status, out, _ = in_process(capsys, "graph", "x**2 + 2*x + 1", "--at", "x=3", "--grads")
    assert status == 0
    assert out.startswith("digraph ndgrad {")
    assert "grad 8" in out  # dy/dx = 2x + 2 at 3


def test_plot_of_one_variable_draws_the_tangent(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    target = tmp_path / "tangent.png"
    status, out, _ = in_process(capsys, "plot", "2*x**3 + sin(x)", "--x", "0:4", "--tangent", "pi", "-o", str(target))
    assert status == 0 and target.stat().st_size > 1000
    assert "curve with tangent" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["grad", "x+y", "--at", "x=1"], "no value for y"),
        (["grad", "x", "--at", "x"], "name=value"),
        (["grad", "x", "--at", "x=1,x=2"], "gives x twice"),
        (["grad", "x", "--at", "x=1/0"], "not a finite number"),
        (["grad", "x", "--at", "x=y"], "--at x=y: unknown name 'y'"),
        (["grad", "x, y", "--at", "x=1,y=1"], "use `ndgrad jacobian`"),
        (["hessian", "x, y", "--at", "x=1,y=1"], "a Hessian needs one"),
        (["grad", "x+y", "--at", "x=1,y=2", "--vars", "x"], "unknown name 'y'"),
        (["grad", "x", "--at", "x=1,y=2", "--vars", "x"], "--vars does not list"),
        (["grad", "9**9**9**9", "--at", "x=1"], "exponent tower"),
        (["grad", "x^2", "--at", "x=1"], "write x**2"),
        (["plot", "x", "--x", "2:1"], "LOW must be below HIGH"),
        (["plot", "x", "--x", "2"], "LOW:HIGH"),
        (["plot", "x, y"], "one function"),
        (["plot", "x", "-o", "/nonexistent-dir/f.png"], "cannot save the figure"),
        (["graph", "3", "--at", "x=1"], "depends on a variable"),
        (["practice", "--only", "zz"], "no question zz"),
        (["practice", "--answers", "/nonexistent-file"], "cannot read answers"),
        (["practice", "--tries", "0"], "at least 1"),
    ],
)
def test_mistakes_name_what_was_wrong(capsys: pytest.CaptureFixture, args: list[str], message: str) -> None:
    status, _, err = in_process(capsys, *args)
    assert status == 2
    first = err.splitlines()[0]
    assert first.startswith("ndgrad: error: ") and message in first


def test_the_caret_points_at_the_offending_text(capsys: pytest.CaptureFixture) -> None:
    status, _, err = in_process(capsys, "grad", "x + y.real", "--at", "x=1,y=1")
    lines = err.splitlines()
    assert status == 2 and len(lines) == 3
    assert lines[1] == "  x + y.real" and lines[2] == "      ^^^^^^"


def test_argparse_mistakes_also_exit_2(capsys: pytest.CaptureFixture) -> None:
    assert main(["grad"]) == 2
    assert main([]) == 2
    assert main(["--help"]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_jacobian_with_a_constant_output_has_a_zero_row(capsys: pytest.CaptureFixture) -> None:
    status, out, _ = in_process(capsys, "jacobian", "x + y, x*y, 7", "--at", "x=3,y=2", "--json")
    payload = json.loads(out)
    assert status == 0
    assert payload["jacobian"] == [[1.0, 1.0], [2.0, 3.0], [0.0, 0.0]]
    assert payload["value"] == [5.0, 6.0, 7.0] and payload["outputs"] == ["x + y", "x*y", "7"]


def test_graph_json(capsys: pytest.CaptureFixture) -> None:
    status, out, _ = in_process(capsys, "graph", "x*sin(x)", "--at", "x=2", "--json")
    payload = json.loads(out)
    assert status == 0 and payload["nodes"] == 3  # the leaf x, sin, multiply
    assert payload["dot"].startswith("digraph ndgrad {") and payload["at"] == {"x": 2.0}


def test_version(capsys: pytest.CaptureFixture) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("ndgrad ")
