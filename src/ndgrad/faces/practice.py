"""`ndgrad practice`: the week's exercises and questions, answers checked by ndgrad.

An answer is a number (`12`), an expression (`6*x`) or a matrix
(`[[1, 1], [y, x]]`).  It is read by the same safe parser as the CLI and
compared with ndgrad's own result at several random points, so every
equivalent form passes (`x*y`, `y*x`).  A wrong answer gets a hint computed
by ndgrad: the true value at a point, or which matrix entry differs.
Answers come from the terminal, from stdin, or from a file (`--answers`).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

import ndgrad as nd

from . import calculus, text
from .errors import UsageError
from .expr import ExpressionError, parse

__all__ = ["Question", "QUESTIONS", "Verdict", "check", "run_session", "run_cli"]

POINTS = 5  # random points an answer with variables is checked at
NUMBER_RTOL = 1e-3  # a hand-rounded number such as 58.2 passes
EXPRESSION_RTOL = 1e-6  # an expression must agree everywhere, up to rounding


@dataclass(frozen=True)
class Question:
    """One question: what to ask, and ndgrad's answer as a function of a point."""

    id: str
    prompt: str
    form: str  # how to write the answer, shown with the prompt
    truth: Callable[[dict[str, float]], Any]  # ndgrad's answer at a point, as an array
    answer: str  # shown once the tries are used up
    variables: tuple[str, ...] = ()
    rows: tuple[str, ...] = ()  # names of matrix rows and columns, for hints
    cols: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Verdict:
    correct: bool
    message: str
    rejected: bool = False  # the answer could not be read at all


def _jacobian_truth(expression: str) -> Callable[[dict[str, float]], Any]:
    expr = parse(expression)
    return lambda point: calculus.jacobian_at(expr, point).matrix


def _gradient_truth(expression: str) -> Callable[[dict[str, float]], Any]:
    expr = parse(expression)
    return lambda point: calculus.gradient_at(expr, point).matrix[0]


def _value(fn: Callable[[], Any]) -> Callable[[dict[str, float]], Any]:
    return lambda point: np.asarray(fn().data, dtype=np.float64)


def _derivative_at(expression: str, at: dict[str, float]) -> Callable[[dict[str, float]], Any]:
    expr = parse(expression)
    return lambda point: calculus.gradient_at(expr, at).matrix[0]


QUESTIONS: tuple[Question, ...] = (
    Question(
        "e1", "Reshape the 1-D tensor [1, 2, 3, 4, 5, 6] into a 3x2 matrix. What is the matrix?",
        "a matrix, e.g. [[a, b], [c, d]]",
        _value(lambda: nd.tensor([1, 2, 3, 4, 5, 6]).reshape(3, 2)),
        "[[1, 2], [3, 4], [5, 6]]",
        note="nd.tensor([1, 2, 3, 4, 5, 6]).reshape(3, 2): rows are filled first.",
    ),
    Question(
        "e2", "What is the derivative of y = 2x**3 + sin(x) at x = pi?",
        "a number or an exact expression such as 6*pi**2 + cos(pi)",
        _derivative_at("2*x**3 + sin(x)", {"x": math.pi}),
        "6*pi**2 - 1 (about 58.2176)",
        note="dy/dx = 6x² + cos(x); at pi: 6*pi² - 1.",
    ),
    Question(
        "p1", "Project: what is the Jacobian of f(x, y) = x**2 + 3*y? (a 1x2 matrix in x and y)",
        "a matrix in x and y, e.g. [[x, 1]]",
        _jacobian_truth("x**2 + 3*y"),
        "[[2*x, 3]]", ("x", "y"), ("f",), ("d/dx", "d/dy"),
        note="At (x=2, y=4) it is [[4, 3]], the seed's Step 3 output.",
    ),
    Question(
        "p2", "What is the Jacobian of f(x, y) = [x**2 + 3*y, 5*x + y**3]?",
        "a 2x2 matrix in x and y; rows = outputs, columns = d/dx, d/dy",
        _jacobian_truth("x**2 + 3*y, 5*x + y**3"),
        "[[2*x, 3], [5, 3*y**2]]", ("x", "y"), ("f1", "f2"), ("d/dx", "d/dy"),
    ),
    Question(
        "q1", "What is the rank of a 3x2x4 tensor?", "a number",
        _value(lambda: nd.tensor(nd.zeros((3, 2, 4)).ndim)),
        "3", note="The rank is the number of dimensions: nd.zeros((3, 2, 4)).ndim == 3.",
    ),
    Question(
        "q2", "Broadcasting: what is [1, 2, 3] + [[10], [20]]?",
        "a matrix, e.g. [[a, b], [c, d]]",
        _value(lambda: nd.tensor([1, 2, 3]) + nd.tensor([[10], [20]])),
        "[[11, 12, 13], [21, 22, 23]]",
        note="Broadcasting lets you do arithmetic on tensors of different shapes by expanding them: "
             "(3,) + (2, 1) -> (2, 3).",
    ),
    Question(
        "q3", "What is dy/dx for y = 3x**2?", "an expression in x, e.g. 2*x + 1",
        _gradient_truth("3*x**2"), "6*x", ("x",),
    ),
    Question(
        "q3b", "And its value at x = 2?", "a number",
        _derivative_at("3*x**2", {"x": 2.0}), "12",
    ),
    Question(
        "q4", "What is the Jacobian matrix of f(x, y) = [x + y, x*y]?",
        "a 2x2 matrix in x and y; rows = outputs, columns = d/dx, d/dy",
        _jacobian_truth("x + y, x*y"),
        "[[1, 1], [y, x]]", ("x", "y"), ("f1", "f2"), ("d/dx", "d/dy"),
    ),
)


# -------------------------------------------------------------------- checking


def _as_array(value: Any) -> Any:
    """An evaluated answer (tensor, tuple, nested lists of tensors) as a float array."""
    if isinstance(value, (tuple, list)):
        items = [_as_array(v) for v in value]
        shapes = {item.shape for item in items}
        if len(shapes) > 1:
            raise ExpressionError("the rows of the matrix have different lengths: every row needs as many entries")
        return np.stack(items) if items else np.zeros(0)
    return np.asarray(value.data, dtype=np.float64)


def _points(question: Question, rng: np.random.Generator) -> list[dict[str, float]]:
    if not question.variables:
        return [{}]
    # Away from 0 and negatives, so answers with sqrt or log are checked where they are defined.
    return [{v: round(float(rng.uniform(0.5, 2.5)), 3) for v in question.variables} for _ in range(POINTS)]


def _where(point: dict[str, float]) -> str:
    return "at " + ", ".join(f"{k} = {text.number(v, 6)}" for k, v in point.items()) + ", " if point else ""


def _shape_words(shape: tuple) -> str:
    if not shape:
        return "a single number"
    if len(shape) == 1:
        return f"a list of {shape[0]} numbers"
    return f"a {'x'.join(map(str, shape))} matrix"


def _entry_hint(question: Question, mine: Any, truth: Any, point: dict[str, float]) -> str:
    """Which matrix entry differs first, with both values."""
    close = np.isclose(mine, truth, rtol=EXPRESSION_RTOL, atol=1e-9, equal_nan=True)
    index = tuple(int(i) for i in np.argwhere(~close)[0])
    place = ", ".join(str(i + 1) for i in index)
    label = ""
    if len(index) == 2 and question.rows and question.cols:
        label = f" ({question.rows[index[0]]}, {question.cols[index[1]]})"
    return (f"entry [{place}]{label} differs: {_where(point)}yours gives {text.number(mine[index], 6)} "
            f"but ndgrad gets {text.number(truth[index], 6)}")


def _compare(question: Question, expr: Any, rng: np.random.Generator) -> Verdict:
    rtol = EXPRESSION_RTOL if expr.variables else NUMBER_RTOL
    for point in _points(question, rng):
        with np.errstate(all="ignore"):
            mine = _as_array(expr.evaluate(point))
        truth = np.asarray(question.truth(point), dtype=np.float64)
        if mine.shape != truth.shape:
            if mine.size == truth.size and np.squeeze(mine).shape == np.squeeze(truth).shape:
                mine = mine.reshape(truth.shape)  # [2*x, 3] for [[2*x, 3]]: same numbers, one bracket less
            else:
                return Verdict(False, f"not quite: the answer is {_shape_words(truth.shape)}, "
                                      f"yours is {_shape_words(mine.shape)}")
        if not np.allclose(mine, truth, rtol=rtol, atol=1e-9, equal_nan=True):
            if truth.ndim == 0:
                hint = f"{_where(point)}yours gives {text.number(mine, 6)} but ndgrad gets {text.number(truth, 6)}"
            else:
                hint = _entry_hint(question, mine, truth, point)
            return Verdict(False, f"not quite: {hint}")
    checked = f" (checked at {POINTS} random points)" if question.variables else ""
    return Verdict(True, f"correct{checked}")


def check(question: Question, answer: str, rng: np.random.Generator | None = None) -> Verdict:
    """Read `answer` safely and compare it with ndgrad's result for `question`."""
    rng = rng if rng is not None else np.random.default_rng()
    try:
        expr = parse(answer, question.variables, allow_lists=True)
        return _compare(question, expr, rng)
    except ExpressionError as err:
        pointer = err.pointer()
        detail = f"\n  {pointer.replace(chr(10), chr(10) + '  ')}" if pointer else ""
        return Verdict(False, f"cannot use that answer: {err}{detail}", rejected=True)


# -------------------------------------------------------------------- session


@dataclass
class Session:
    """Questions asked in order, answers taken from `answers`, results tallied."""

    out: TextIO
    answers: Iterator[str]
    echo: bool  # print each answer read (when it does not come from a person typing)
    tries: int = 2
    rng: np.random.Generator = field(default_factory=np.random.default_rng)
    score: int = 0
    asked: int = 0

    def read(self) -> str | None:
        print("answer> ", end="", file=self.out, flush=True)
        line = next(self.answers, None)
        if line is None:
            print(file=self.out)
            return None
        if self.echo:
            print(line, file=self.out)
        return line.strip()

    def ask(self, question: Question) -> bool:
        """Ask one question; False when the answers ran out."""
        self.asked += 1
        print(f"\n[{question.id}] {question.prompt}\n      ({question.form}; empty line to skip)", file=self.out)
        for attempt in range(1, self.tries + 1):
            answer = self.read()
            if answer is None:
                return False
            if not answer:
                print(f"skipped; the answer: {question.answer}", file=self.out)
                break
            verdict = check(question, answer, self.rng)
            print(verdict.message, file=self.out)
            if verdict.correct:
                self.score += 1
                break
            if attempt < self.tries:
                print("try again", file=self.out)
        else:
            print(f"the answer: {question.answer}", file=self.out)
        if question.note:
            print(question.note, file=self.out)
        return True


def run_session(questions: Sequence[Question], answers: Iterator[str], out: TextIO, *, tries: int = 2,
                echo: bool = True, seed: int | None = None) -> tuple[int, int]:
    """Ask `questions`, reading `answers`; returns (correct, asked)."""
    session = Session(out, answers, echo, tries, np.random.default_rng(seed))
    print("ndgrad practice: answer with a number, an expression (6*x) or a matrix ([[1, 1], [y, x]])", file=out)
    for question in questions:
        if not session.ask(question):
            print("(no more answers)", file=out)
            break
    print(f"\nscore: {session.score}/{session.asked}", file=out)
    return session.score, session.asked


def _lines(stream: TextIO) -> Iterator[str]:
    for line in stream:
        if not line.lstrip().startswith("#"):  # answer files may carry comments
            yield line.rstrip("\n")


def _terminal_lines() -> Iterator[str]:
    while True:
        try:
            yield input()
        except EOFError:
            return


def _select(only: str | None) -> list[Question]:
    if only is None:
        return list(QUESTIONS)
    by_id = {q.id: q for q in QUESTIONS}
    wanted = [name.strip() for name in only.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in by_id]
    if unknown or not wanted:
        raise UsageError(f"--only: no question {', '.join(unknown) or '(none given)'}; "
                         f"the questions are {', '.join(by_id)}")
    return [by_id[name] for name in wanted]


def run_cli(args: Any, out: TextIO) -> int:
    """`ndgrad practice` with parsed arguments."""
    if args.list:
        for q in QUESTIONS:
            print(f"{q.id:<4} {q.prompt}", file=out)
        return 0
    if args.tries < 1:
        raise UsageError("--tries must be at least 1")
    questions = _select(args.only)
    if args.answers and args.answers != "-":
        path = Path(args.answers)
        try:
            with path.open(encoding="utf-8") as handle:
                run_session(questions, _lines(handle), out, tries=args.tries, seed=args.seed)
        except (OSError, UnicodeDecodeError) as err:
            raise UsageError(f"cannot read answers from {path}: {err}") from None
        return 0
    interactive = sys.stdin.isatty() and not args.answers
    source = _terminal_lines() if interactive else _lines(sys.stdin)
    run_session(questions, source, out, tries=args.tries, echo=not interactive, seed=args.seed)
    return 0
