"""`ndgrad practice`: answers read safely, checked by ndgrad at random points, hints computed."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ndgrad.faces.cli import main
from ndgrad.faces.practice import QUESTIONS, check, run_session

BY_ID = {q.id: q for q in QUESTIONS}
RIGHT = [
    "[[1, 2], [3, 4], [5, 6]]",  # e1
    "58.2",  # e2 (rounded by hand)
    "[[2*x, 3]]",  # p1
    "[[2*x, 3], [5, 3*y**2]]",  # p2
    "3",  # q1
    "[[11, 12, 13], [21, 22, 23]]",  # q2
    "6*x",  # q3
    "12",  # q3b
    "[[1, 1], [y, x]]",  # q4
]


def verdict(qid: str, answer: str):
    return check(BY_ID[qid], answer, np.random.default_rng(0))


@pytest.mark.parametrize(
    ("qid", "answer"),
    [
        ("q3", "6*x"), ("q3", "x*6"), ("q3", "3*x + 3*x"), ("q3", "2*(3*x)"), ("q3", "6*x**1"),
        ("q4", "[[1, 1], [y, x]]"), ("q4", "[[1,1],[y,x]]"), ("q4", "[[2 - 1, 1], [1*y, x]]"),
        ("p1", "[[2*x, 3]]"), ("p1", "[2*x, 3]"), ("p1", "[[x + x, 6/2]]"),
        ("p2", "[[x*2, 3], [5, 3*y*y]]"),
        ("e2", "58.2176"), ("e2", "58.2"), ("e2", "6*pi**2 - 1"), ("e2", "6*pi**2 + cos(pi)"),
        ("q1", "3"), ("q1", "3.0"), ("q3b", "6*2"),
        ("e1", "[[1,2],[3,4],[5,6]]"), ("q2", "[[11, 12, 13], [21, 22, 23]]"),
    ],
)
def test_equivalent_right_answers_pass(qid: str, answer: str) -> None:
    result = verdict(qid, answer)
    assert result.correct, result.message


def test_a_wrong_expression_gets_the_true_value_at_a_point() -> None:
    result = verdict("q3", "3*x")
    assert not result.correct and not result.rejected
    found = re.search(r"at x = ([\d.]+), yours gives ([\d.]+) but ndgrad gets ([\d.]+)", result.message)
    assert found, result.message
    x, yours, truth = map(float, found.groups())
    assert yours == pytest.approx(3 * x, rel=1e-5) and truth == pytest.approx(6 * x, rel=1e-5)


def test_a_wrong_matrix_entry_is_named() -> None:
    result = verdict("q4", "[[1, 1], [x, y]]")
    assert not result.correct
    assert "entry [2, 1] (f2, d/dx) differs" in result.message


def test_a_wrong_shape_is_described() -> None:
    result = verdict("e1", "[[1, 2, 3], [4, 5, 6]]")
    assert result.message == "not quite: the answer is a 3x2 matrix, yours is a 2x3 matrix"


def test_a_number_off_by_more_than_rounding_fails() -> None:
    result = verdict("e2", "58")
    assert not result.correct and result.message == "not quite: yours gives 58 but ndgrad gets 58.2176"


def test_a_constant_cannot_pass_for_an_expression() -> None:
    assert not verdict("q3", "12").correct  # right at x = 2 only


def test_ragged_matrix() -> None:
    result = verdict("q4", "[[1, 1], [y]]")
    assert result.rejected and "different lengths" in result.message


@pytest.mark.parametrize(
    "answer",
    [
        "__import__('os').system('touch canary')",
        "open('canary', 'w')",
        "x.__class__",
        "(lambda: 6)()",
        "9**9**9**9",
        "'6*x'",
        "[c for c in 'ab']",
        "y",  # q3 has one variable, x
    ],
)
def test_hostile_answers_are_rejected_like_hostile_expressions(answer: str, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = verdict("q3", answer)
    assert result.rejected and not result.correct
    assert result.message.startswith("cannot use that answer: column ")
    assert not (tmp_path / "canary").exists()


def session(answers: list[str], **kwargs) -> tuple[tuple[int, int], str]:
    out = io.StringIO()
    score = run_session(QUESTIONS, iter(answers), out, seed=0, **kwargs)
    return score, out.getvalue()


def test_all_right() -> None:
    (score, asked), text = session(RIGHT)
    assert (score, asked) == (9, 9) and text.rstrip().endswith("score: 9/9")


def test_a_second_try_after_a_hint() -> None:
    answers = ["[[1, 2, 3], [4, 5, 6]]", "[[1, 2], [3, 4], [5, 6]]"] + RIGHT[1:]
    (score, _), text = session(answers)
    assert score == 9
    assert "not quite: the answer is a 3x2 matrix" in text and "try again" in text


def test_out_of_tries_shows_the_answer() -> None:
    (score, _), text = session(["7"] + RIGHT[1:], tries=1)
    assert score == 8 and "the answer: [[1, 2], [3, 4], [5, 6]]" in text


def test_skip_and_running_out_of_answers() -> None:
    (score, asked), text = session(["", "58.2"])
    assert (score, asked) == (1, 3)
    assert "skipped; the answer: [[1, 2], [3, 4], [5, 6]]" in text and "(no more answers)" in text


def test_driven_from_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(RIGHT) + "\n"))
    assert main(["practice", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "answer> 6*x\ncorrect (checked at 5 random points)" in out  # answers are echoed
    assert out.rstrip().endswith("score: 9/9")


def test_answers_file_with_comments_and_only(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    answers = tmp_path / "answers.txt"
    answers.write_text("# question 4\n[[1, 1], [y, x]]\n# question 3\nx*6\n")
    assert main(["practice", "--answers", str(answers), "--only", "q4,q3"]) == 0
    out = capsys.readouterr().out
    assert out.index("[q4]") < out.index("[q3]") and "score: 2/2" in out


def test_list(capsys: pytest.CaptureFixture) -> None:
    assert main(["practice", "--list"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == list(BY_ID)


def test_as_a_command_with_piped_answers() -> None:
    done = subprocess.run([sys.executable, "-m", "ndgrad.faces.cli", "practice", "--only", "q3,q4"],
                          input="x*6\n[[1, 1], [x, y]]\n[[1, 1], [y, x]]\n", capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "entry [2, 1] (f2, d/dx) differs" in done.stdout
    assert done.stdout.rstrip().endswith("score: 2/2")
