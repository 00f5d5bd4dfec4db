"""The safe expression reader: what it computes, what it refuses, and that it never runs code."""

from __future__ import annotations

import math
import sys
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ndgrad as nd
from ndgrad.faces.expr import MAX_TOWER, ExpressionError, parse, parse_number


def value(text: str, **values: float) -> float:
    return float(parse(text).evaluate(values).data)


# ------------------------------------------------------------------ computing


def test_seed_expression_value_and_gradient() -> None:
    x = nd.tensor(math.pi, requires_grad=True)
    y = parse("2*x**3 + sin(x)").evaluate({"x": x})
    y.backward()
    assert float(y.data) == pytest.approx(2 * math.pi**3)
    assert float(x.grad.data) == pytest.approx(6 * math.pi**2 - 1)  # 58.2176...


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("1 + 2*3", {}, 7.0),
        ("-x**2", {"x": 3.0}, -9.0),  # ** binds tighter than unary minus, as in Python
        ("2**-1", {}, 0.5),
        ("7 % 3", {}, 1.0),
        ("(x + 1)/(x - 1)", {"x": 3.0}, 2.0),
        ("pi", {}, math.pi),
        ("e**2", {}, math.e**2),
        ("ln(e)", {}, 1.0),
        ("atan2(1, 1)", {}, math.pi / 4),
        ("x**2*y + y**3", {"x": 1.0, "y": 2.0}, 10.0),
        ("2**3**2", {}, 512.0),  # right-associative
        ("sqrt(16) + abs(-2) + exp(0)", {}, 7.0),
    ],
)
def test_values(text: str, values: dict, expected: float) -> None:
    assert value(text, **values) == pytest.approx(expected)


def test_variables_in_order_of_appearance() -> None:
    assert parse("y*sin(x) + z").variables == ("y", "x", "z")
    assert parse("sin(x) + pi*e").variables == ("x",)  # functions and constants are not variables
    assert parse("x + y", variables=["y", "x"]).variables == ("y", "x")


def test_vector_expression_has_one_output_per_comma() -> None:
    expr = parse("x**2 + 3*y, 5*x + y**3")
    assert expr.is_vector and expr.outputs == ("x**2 + 3*y", "5*x + y**3")
    f1, f2 = expr.evaluate({"x": 2.0, "y": 4.0})
    assert (float(f1.data), float(f2.data)) == (16.0, 74.0)


def test_matrix_answers_only_when_lists_are_allowed() -> None:
    rows = parse("[[1, 1], [y, x]]", allow_lists=True).evaluate({"x": 3.0, "y": 2.0})
    assert [[float(v.data) for v in row] for row in rows] == [[1.0, 1.0], [2.0, 3.0]]
    with pytest.raises(ExpressionError, match="lists"):
        parse("[[1, 1], [y, x]]")


def test_function_evaluates_a_whole_grid_at_once() -> None:
    f = parse("x**2 + 3*y").function(["x", "y"])
    X, Y = np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-2, 2, 4))
    np.testing.assert_allclose(f(X, Y).numpy(), X**2 + 3 * Y)


def test_parse_number() -> None:
    assert parse_number("2*pi/4") == pytest.approx(math.pi / 2)
    assert parse_number("-1.5e-3") == -1.5e-3
    with pytest.raises(ExpressionError, match="unknown name 'x'"):
        parse_number("x + 1")


def test_division_by_zero_gives_inf_not_an_exception() -> None:
    assert value("1/0") == math.inf
    assert math.isnan(value("0/0"))


# ------------------------------------------------------------------ refusing


@pytest.mark.parametrize(
    ("text", "fragment", "column"),
    [
        ("x.real", "attribute access", 1),
        ("x + __import__('os')", "'__import__' not allowed", 5),
        ("x.__class__.__bases__", "attribute access", 1),
        ("lambda: 1", "lambda", 1),
        ("a[0]", "indexing", 1),
        ("[i for i in x]", "comprehensions", 1),
        ("'rm -rf'", "strings not allowed", 1),
        ("x + foo(x)", "unknown function 'foo'", 5),
        ("x if y else z", "conditional", 1),
        ("x < y", "comparisons", 1),
        ("x and y", "'and' / 'or'", 1),
        ("x ^ 2", "write x**2", 1),
        ("x // 2", "floor division", 1),
        ("x @ y", "matrix product", 1),
        ("not x", "signs + and -", 1),
        ("{1: 2}", "dictionaries", 1),
        ("f'{x}'", "f-strings", 1),
        ("(y := 2)", "assignment", 2),
        ("True", "bool", 1),
        ("1j", "complex", 1),
        ("sin", "'sin' is a function", 1),
        ("sin(x, y)", "takes 1 argument", 1),
        ("sin(x=1)", "keyword arguments", 7),
        ("pi(2)", "constant, not a function", 1),
        ("2x", "2*x", 1),
        ("2(x + 1)", "multiplication", 1),
        ("y = 3*x", "no '='", 3),
        ("9**9**9**9", "exponent tower", 1),
        ("1e999", "too large", 1),
        ("(x, (y, z))", "tuples inside", 5),
        ("x + é", "not allowed", 5),
    ],
)
def test_refused_with_the_place_pointed_at(text: str, fragment: str, column: int) -> None:
    with pytest.raises(ExpressionError) as info:
        parse(text)
    err = info.value
    assert fragment in str(err)
    assert err.start == column - 1
    assert str(err).startswith(f"column {column}:")
    line, carets = err.pointer().split("\n")
    assert line == text and carets.index("^") == column - 1


def test_unknown_names_when_the_variables_are_fixed() -> None:
    with pytest.raises(ExpressionError, match=r"unknown name 'z' \(the variables here are: x, y\)"):
        parse("x + z", variables=["x", "y"])


@pytest.mark.parametrize("bad", [["pi"], ["sin"], ["_x"], ["x", "x"], ["2x"]])
def test_bad_variable_names(bad: list) -> None:
    with pytest.raises(ExpressionError):
        parse("1", variables=bad)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("x" * 10_000_001, "the limit is 10,000"),  # 10 MB
        ("1" + "0" * 5000, "too long"),  # a literal Python would make a huge int of
        ("(" * 4000 + "x" + ")" * 4000, "nested too deeply"),
        ("-" * 9000 + "1", "nested too deeply"),
        ("+".join(["x"] * 4000), "nested too deeply"),
        (", ".join(["x"] * 3001), "too big"),
        ("", "empty"),
        ("   ", "empty"),
        ("x\n+ 1", "one line"),
        ("x\x00", "one line"),
    ],
)
def test_resource_bombs_are_refused_quickly(text: str, fragment: str) -> None:
    start = time.perf_counter()
    with pytest.raises(ExpressionError, match=fragment):
        parse(text)
    assert time.perf_counter() - start < 2.0


def test_the_refusal_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse("x.y")


def test_hostile_text_leaves_no_trace(tmp_path, monkeypatch) -> None:
    canary = tmp_path / "canary.txt"
    monkeypatch.chdir(tmp_path)
    attempts = [
        f"open('{canary}', 'w').write('x')",
        "__import__('this')",
        "__import__('os').system('touch canary.txt')",
        "().__class__.__base__.__subclasses__()",
        "[c for c in ().__class__.__mro__]",
        "(lambda: __import__('antigravity'))()",
        "getattr(x, 'y')",
        "globals()",
        "breakpoint()",
    ]
    before = set(sys.modules)
    for text in attempts:
        with pytest.raises(ExpressionError):
            parse(text).evaluate({"x": 1.0})
    assert not canary.exists() and not (tmp_path / "canary.txt").exists()
    assert "this" not in set(sys.modules) - before
    assert "antigravity" not in set(sys.modules) - before


# ------------------------------------------------------------------ fuzzing

_ALPHABET = "xy0123456789.+-*/%()[],'\"_ :=<>!@^~eipsncoalmbdtq\\{}#"


@given(st.text(alphabet=_ALPHABET, max_size=40))
def test_any_text_evaluates_or_raises_our_error(text: str) -> None:
    try:
        expr = parse(text)
    except ExpressionError:
        return
    result = expr.evaluate({name: 1.25 for name in expr.variables})
    outputs = result if isinstance(result, tuple) else (result,)
    assert all(isinstance(out, nd.Tensor) for out in outputs)


_UNARY = {"sin": np.sin, "cos": np.cos, "exp": np.exp, "tanh": np.tanh, "sqrt": np.sqrt, "log": np.log, "abs": np.abs}
_BINARY = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power, "%": np.remainder}
_HOSTILE = ["x.real", "__import__('os')", "(lambda: 1)()", "x[0]", "'s'", "[1]", "foo(1)", "(x if y else 1)", "(x < 1)"]
_VALUES = {"x": 0.7, "y": -1.3}


# A tree is (text, value, height of the ** chain it starts); value None: refused.
def _leaf() -> st.SearchStrategy:
    numbers = st.integers(0, 9).map(lambda n: (str(n), float(n), 0))
    floats = st.sampled_from([0.5, 1.25, 2.0, 3.75]).map(lambda v: (repr(v), v, 0))
    names = st.sampled_from(sorted(_VALUES)).map(lambda n: (n, _VALUES[n], 0))
    constants = st.sampled_from([("pi", math.pi, 0), ("e", math.e, 0)])
    hostile = st.sampled_from(_HOSTILE).map(lambda t: (t, None, 0))
    return st.one_of(numbers, floats, names, constants, hostile)


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    def binary(op: str, a: tuple, b: tuple) -> tuple:
        text = f"({a[0]} {op} {b[0]})"
        height = b[2] + 1 if op == "**" else 0  # the parser refuses towers taller than MAX_TOWER
        if a[1] is None or b[1] is None or height > MAX_TOWER:
            return text, None, height
        with np.errstate(all="ignore"):
            return text, _BINARY[op](np.float64(a[1]), np.float64(b[1])), height

    def unary(fn: str, a: tuple) -> tuple:
        if a[1] is None:
            return f"{fn}({a[0]})", None, 0
        with np.errstate(all="ignore"):
            return f"{fn}({a[0]})", _UNARY[fn](np.float64(a[1])), 0

    def negate(a: tuple) -> tuple:
        return f"(-{a[0]})", -a[1] if a[1] is not None else None, a[2]

    return st.one_of(
        st.builds(binary, st.sampled_from(sorted(_BINARY)), children, children),
        st.builds(unary, st.sampled_from(sorted(_UNARY)), children),
        st.builds(negate, children),
    )


@given(st.recursive(_leaf(), _extend, max_leaves=12))
def test_random_trees_match_numpy_or_are_refused(tree: tuple) -> None:
    text, expected, _ = tree
    with np.errstate(all="ignore"):
        expected = None if expected is None else np.float64(expected)
        if expected is None:  # the tree holds a hostile part somewhere
            with pytest.raises(ExpressionError):
                parse(text)
            return
        got = parse(text).evaluate(_VALUES)
    np.testing.assert_allclose(float(got.data), expected, rtol=1e-12, equal_nan=True)
