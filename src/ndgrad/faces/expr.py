"""A safe reader for the math people type: `2*x**3 + sin(x)`, `[[1, 1], [y, x]]`.

The text is parsed by Python's `ast` module and every node is checked against
a short whitelist (numbers, variable names, `+ - * / ** %`, unary signs,
parentheses, calls of ndgrad's math functions by name, `pi`, `e`); the checked
tree is then walked and computed with ndgrad operations.  Nothing is ever
handed to Python to run, so text such as `__import__('os')` is only ever data.

Limits are checked before anything is computed, so hostile text (a 10 MB
string, a tower like `9**9**9**9`, thousands of nested brackets, a number with
thousands of digits) is refused quickly with a clear message.
"""

from __future__ import annotations

import ast
import math
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..backend import xp
from ..core.graph import TensorBase
from ..ops import creation
from ..ops import elementwise as ew

__all__ = ["Expression", "ExpressionError", "parse", "parse_number", "FUNCTIONS", "CONSTANTS"]

MAX_LENGTH = 10_000  # characters in one expression
MAX_DEPTH = 100  # nesting of brackets, calls and operators (a sum of n terms nests n deep)
MAX_NODES = 3_000  # syntax-tree nodes
MAX_TOWER = 2  # a**b**c is fine, a**b**c**d is refused
MAX_DIGITS = 100  # characters in one number literal

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}


def _one(fn: Callable) -> tuple[Callable, int]:
    return fn, 1


def _two(fn: Callable) -> tuple[Callable, int]:
    return fn, 2


# Math functions an expression may call by name: name -> (ndgrad function, number of arguments).
FUNCTIONS: dict[str, tuple[Callable, int]] = {
    **{name: _one(getattr(ew, name)) for name in (
        "sin", "cos", "tan", "exp", "log", "sqrt", "abs", "sinh", "cosh", "tanh",
        "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "asin", "acos", "atan",
        "asinh", "acosh", "atanh", "log2", "log10", "log1p", "expm1", "exp2",
        "sigmoid", "relu", "softplus", "square", "sign", "floor", "ceil",
    )},
    "ln": _one(ew.log),
    **{name: _two(getattr(ew, name)) for name in (
        "arctan2", "atan2", "hypot", "maximum", "minimum", "logaddexp",
    )},
}

_OPERATORS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: ew.add,
    ast.Sub: ew.subtract,
    ast.Mult: ew.multiply,
    ast.Div: ew.divide,
    ast.Pow: ew.power,
    ast.Mod: ew.remainder,
}

# What to say about an operator that is not allowed.
_OPERATOR_ADVICE: dict[type, str] = {
    ast.BitXor: "'^' is not a power here: write x**2 for x squared",
    ast.FloorDiv: "'//' (floor division) is not allowed: use '/'",
    ast.MatMult: "'@' (matrix product) is not allowed in expressions",
    ast.BitAnd: "'&' is not allowed",
    ast.BitOr: "'|' is not allowed",
    ast.LShift: "'<<' is not allowed",
    ast.RShift: "'>>' is not allowed",
}

# How to name a construct that is not allowed.
_CONSTRUCT_NAMES: dict[str, str] = {
    "Attribute": "attribute access (a.b)",
    "Subscript": "indexing (a[...])",
    "Lambda": "lambda functions",
    "ListComp": "comprehensions",
    "SetComp": "comprehensions",
    "DictComp": "comprehensions",
    "GeneratorExp": "generator expressions",
    "IfExp": "conditional expressions (a if c else b)",
    "Compare": "comparisons",
    "BoolOp": "'and' / 'or'",
    "Dict": "dictionaries",
    "Set": "sets",
    "JoinedStr": "f-strings",
    "NamedExpr": "assignment (:=)",
    "Starred": "star arguments (*a)",
    "Await": "await",
    "Yield": "yield",
    "YieldFrom": "yield",
    "Slice": "slices",
    "List": "lists (brackets are for matrices in practice answers only)",
    "Tuple": "tuples inside an expression (commas separate outputs only at the top level)",
}

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_LONG_NUMBER = re.compile(rf"[0-9][0-9_.]{{{MAX_DIGITS},}}")


class ExpressionError(ValueError):
    """Text that is not an allowed expression; says where and why.

    `start`/`end` are 0-based character positions in `text` (None when the
    problem is the text as a whole).  `str(err)` is one line; `pointer()`
    shows the text with a caret under the offending part.
    """

    def __init__(self, message: str, text: str = "", start: int | None = None, end: int | None = None) -> None:
        self.message = message
        self.text = text
        self.start = start
        if start is None:
            self.end = None
        else:
            self.end = end if end is not None and end > start else start + 1
        where = f"column {start + 1}: " if start is not None else ""
        super().__init__(f"{where}{message}")

    def pointer(self, width: int = 70) -> str:
        """The text (a window of it, when long) with carets under the offending part."""
        if self.start is None or not self.text:
            return ""
        lo = max(0, self.start - width // 2)
        hi = min(len(self.text), lo + width)
        snippet = self.text[lo:hi]
        prefix = "..." if lo > 0 else ""
        suffix = "..." if hi < len(self.text) else ""
        span = max(1, min(self.end or self.start + 1, hi) - self.start)
        caret = " " * (len(prefix) + self.start - lo) + "^" * span
        return f"{prefix}{snippet}{suffix}\n{caret}"


@dataclass(frozen=True)
class Expression:
    """A checked expression: its text, syntax tree and variables in order of appearance."""

    text: str
    body: ast.expr
    variables: tuple[str, ...]

    @property
    def outputs(self) -> tuple[str, ...]:
        """The source text of each output (several when separated by commas at the top level)."""
        items = self.body.elts if isinstance(self.body, ast.Tuple) else [self.body]
        return tuple(ast.get_source_segment(self.text, item) or self.text for item in items)

    @property
    def is_vector(self) -> bool:
        """True for `f1, f2, ...`: a vector-valued function."""
        return isinstance(self.body, ast.Tuple)

    def evaluate(self, values: Mapping[str, Any] | None = None) -> Any:
        """Compute with ndgrad: a tensor, a tuple of them (vector), or nested lists (matrix).

        `values` maps each variable to a number, array or tensor (tensors are
        used as they are, so gradients flow back to them).
        """
        values = dict(values or {})
        missing = [v for v in self.variables if v not in values]
        if missing:
            raise ExpressionError(
                f"no value for {', '.join(missing)}: give one for every variable ({', '.join(self.variables)})"
            )
        env = {name: _as_tensor(value) for name, value in values.items()}
        with xp.errstate(all="ignore"):  # inf and nan are answers here, not warnings
            return _Evaluator(env).visit(self.body)

    def function(self, variables: Sequence[str] | None = None) -> Callable[..., Any]:
        """A Python function of the variables (positionally, in order): f(x, y) -> tensor."""
        names = tuple(variables) if variables is not None else self.variables

        def f(*args: Any) -> Any:
            if len(args) != len(names):
                raise TypeError(f"{self.text!r} takes {len(names)} argument(s) ({', '.join(names)}), got {len(args)}")
            return self.evaluate(dict(zip(names, args, strict=True)))

        f.__name__ = "f"
        f.__doc__ = f"f({', '.join(names)}) = {self.text}"
        return f


def _as_tensor(value: Any) -> Any:
    if isinstance(value, TensorBase):
        return value
    return creation.tensor(xp.asarray(value, dtype=xp.float64))


class _Evaluator:
    """Computes a tree that `parse` has already checked."""

    def __init__(self, env: dict[str, Any]) -> None:
        self.env = env

    def visit(self, node: ast.expr) -> Any:
        if isinstance(node, ast.BinOp):
            return _OPERATORS[type(node.op)](self.visit(node.left), self.visit(node.right))
        if isinstance(node, ast.UnaryOp):
            operand = self.visit(node.operand)
            return ew.negative(operand) if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Constant):
            return creation.tensor(float(node.value))
        if isinstance(node, ast.Name):
            if node.id in self.env:
                return self.env[node.id]
            return creation.tensor(CONSTANTS[node.id])
        if isinstance(node, ast.Call):
            fn, _ = FUNCTIONS[node.func.id]  # type: ignore[attr-defined]
            return fn(*(self.visit(arg) for arg in node.args))
        if isinstance(node, ast.Tuple):
            return tuple(self.visit(item) for item in node.elts)
        if isinstance(node, ast.List):
            return [self.visit(item) for item in node.elts]
        raise AssertionError(f"unchecked node {type(node).__name__}")  # parse() never lets one through


# ------------------------------------------------------------------ checking


def _span(text: str, node: ast.AST) -> tuple[int | None, int | None]:
    """Character positions of a node (ast counts UTF-8 bytes)."""
    start = getattr(node, "col_offset", None)
    end = getattr(node, "end_col_offset", None)
    if start is None:
        return None, None
    raw = text.encode("utf-8")
    to_chars = lambda b: len(raw[:b].decode("utf-8", errors="ignore"))
    return to_chars(start), (to_chars(end) if end is not None else None)


class _Checker:
    """Walks the tree once, iteratively, refusing anything off the whitelist."""

    def __init__(self, text: str, variables: Sequence[str] | None, allow_lists: bool) -> None:
        self.text = text
        self.allowed_variables = None if variables is None else set(variables)
        self.allow_lists = allow_lists
        self.names: list[tuple[int, str]] = []

    def fail(self, message: str, node: ast.AST) -> ExpressionError:
        start, end = _span(self.text, node)
        return ExpressionError(message, self.text, start, end)

    def run(self, body: ast.expr) -> None:
        stack: list[tuple[ast.AST, int, str]] = [(body, 1, "top")]
        count = 0
        while stack:
            node, depth, place = stack.pop()
            count += 1
            if count > MAX_NODES:
                raise ExpressionError(f"the expression is too big (more than {MAX_NODES} parts)", self.text)
            if depth > MAX_DEPTH:
                raise self.fail(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)", node)
            for child, child_place in self.check(node, place):
                stack.append((child, depth + 1, child_place))

    def check(self, node: ast.AST, place: str) -> list[tuple[ast.AST, str]]:
        """Check one node; return its children to check, each with where it sits."""
        if isinstance(node, ast.BinOp):
            return self.check_binop(node)
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise self.fail("only the signs + and - may come before a value ('not' and '~' are not allowed)", node)
            return [(node.operand, "value")]
        if isinstance(node, ast.Constant):
            self.check_constant(node)
            return []
        if isinstance(node, ast.Name):
            self.check_name(node, called=False)
            return []
        if isinstance(node, ast.Call):
            return self.check_call(node)
        if isinstance(node, ast.Tuple) and place == "top":
            return [(item, "value") for item in node.elts]
        if isinstance(node, ast.List) and self.allow_lists and place in ("top", "list"):
            if not node.elts:
                raise self.fail("an empty list has no value: write the entries, e.g. [[1, 2], [3, 4]]", node)
            return [(item, "list") for item in node.elts]
        what = _CONSTRUCT_NAMES.get(type(node).__name__, f"'{type(node).__name__}' syntax")
        raise self.fail(f"{what} not allowed: use numbers, variables, + - * / ** %, and functions like sin(x)", node)

    def check_binop(self, node: ast.BinOp) -> list[tuple[ast.AST, str]]:
        if type(node.op) not in _OPERATORS:
            advice = _OPERATOR_ADVICE.get(type(node.op), "this operator is not allowed")
            raise self.fail(advice, node)
        if isinstance(node.op, ast.Pow) and _tower_height(node) > MAX_TOWER:
            raise self.fail(
                f"exponent tower too tall (more than {MAX_TOWER} levels of **): "
                "its value could not be computed; use parentheses or a smaller tower",
                node,
            )
        return [(node.right, "value"), (node.left, "value")]

    def check_constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            kind = "strings" if isinstance(value, (str, bytes)) else f"{type(value).__name__} values"
            raise self.fail(f"{kind} not allowed: only real numbers like 3, 0.5 or 1e-3", node)
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise self.fail("this number is too large for a float (at most about 1.8e308)", node)

    def check_name(self, node: ast.Name, called: bool) -> None:
        name = node.id
        if name in FUNCTIONS and not called:
            raise self.fail(f"'{name}' is a function: call it, e.g. {name}(x)", node)
        if called and name in FUNCTIONS:
            return
        if name in CONSTANTS:
            if called:
                raise self.fail(f"'{name}' is a constant, not a function", node)
            return
        if not _NAME.match(name):
            raise self.fail(
                f"name '{name}' not allowed: a variable is letters and digits, starting with a letter", node
            )
        if called:
            raise self.fail(f"unknown function '{name}': the functions are {', '.join(sorted(FUNCTIONS))}", node)
        if self.allowed_variables is not None and name not in self.allowed_variables:
            known = ", ".join(sorted(self.allowed_variables))
            where = f"the variables here are: {known}" if known else "no variables are allowed here"
            raise self.fail(f"unknown name '{name}' ({where})", node)
        self.names.append((node.col_offset, name))

    def check_call(self, node: ast.Call) -> list[tuple[ast.AST, str]]:
        if isinstance(node.func, ast.Constant):
            raise self.fail("write multiplication with '*', e.g. 2*(x + 1), not 2(x + 1)", node)
        if not isinstance(node.func, ast.Name):
            raise self.fail("only math functions called by name are allowed, e.g. sin(x)", node.func)
        self.check_name(node.func, called=True)
        if node.keywords:
            raise self.fail("keyword arguments are not allowed", node.keywords[0].value)
        _, arity = FUNCTIONS[node.func.id]
        if len(node.args) != arity:
            raise self.fail(f"{node.func.id}() takes {arity} argument(s), got {len(node.args)}", node)
        return [(arg, "value") for arg in reversed(node.args)]


def _tower_height(node: ast.expr) -> int:
    """How many `**` are stacked in the exponent chain starting at `node`."""
    height = 0
    while True:
        while isinstance(node, ast.UnaryOp):
            node = node.operand
        if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow)):
            return height
        height += 1
        node = node.right


def _precheck(text: str) -> None:
    """Refuse text that is too big to parse safely, before `ast` sees it."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text):,} characters long; the limit is {MAX_LENGTH:,}")
    if not text.strip():
        raise ExpressionError("the expression is empty: write one, e.g. 2*x**3 + sin(x)")
    for i, ch in enumerate(text):
        if ch in "\n\r" or (not ch.isprintable() and ch != "\t"):
            raise ExpressionError("the expression must be one line of printable text", text, i)
    depth = 0
    for i, ch in enumerate(text):
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth > MAX_DEPTH:
            raise ExpressionError(f"brackets nested too deeply (more than {MAX_DEPTH} levels)", text, i)
    match = _LONG_NUMBER.search(text)
    if match:
        raise ExpressionError(
            f"a number with {len(match.group())} characters is too long (at most {MAX_DIGITS})",
            text, match.start(), match.end(),
        )


def _syntax_error(text: str, err: SyntaxError) -> ExpressionError:
    offset = (err.offset or 1) - 1
    start = min(max(offset, 0), max(len(text) - 1, 0))
    reason = err.msg or "invalid syntax"
    if "=" in text and "==" not in text:
        advice = "an expression has no '=': write only the right-hand side, e.g. 3*x**2"
    elif "decimal literal" in reason:
        advice = "write multiplication with '*', e.g. 2*x, not 2x"
    else:
        advice = "check the brackets and operators"
    return ExpressionError(f"cannot read the expression ({reason}): {advice}", text, start)


def parse(text: str, variables: Sequence[str] | None = None, *, allow_lists: bool = False) -> Expression:
    """Check `text` and return an `Expression`, or raise `ExpressionError`.

    `variables`: the names allowed (in this order); None infers them from the
    text in order of appearance.  `allow_lists=True` accepts matrices written
    as nested lists, `[[1, 1], [y, x]]` (used for practice answers).
    """
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text (str), got {type(text).__name__}")
    if variables is not None:
        _check_variable_names(variables)
    _precheck(text)
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    try:
        with warnings.catch_warnings():  # e.g. "'int' object is not callable": we explain it ourselves
            warnings.simplefilter("ignore")
            tree = ast.parse(stripped, mode="eval")
    except SyntaxError as err:
        raise _shift(_syntax_error(stripped, err), text, lead) from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)", text) from None
    checker = _Checker(stripped, variables, allow_lists)
    try:
        checker.run(tree.body)
    except ExpressionError as err:
        raise _shift(err, text, lead) from None
    found = tuple(dict.fromkeys(name for _, name in sorted(checker.names)))
    names = tuple(variables) if variables is not None else found
    return Expression(stripped, tree.body, names)


def _shift(err: ExpressionError, text: str, lead: int) -> ExpressionError:
    """Re-point an error found in the stripped text at the original text."""
    if err.start is None:
        return err
    return ExpressionError(err.message, text, err.start + lead, (err.end or err.start + 1) + lead)


def _check_variable_names(variables: Sequence[str]) -> None:
    for name in variables:
        if not isinstance(name, str) or not _NAME.match(name):
            raise ExpressionError(f"variable name {name!r} not allowed: use letters and digits, starting with a letter")
        if name in CONSTANTS or name in FUNCTIONS:
            raise ExpressionError(f"'{name}' is a built-in {'constant' if name in CONSTANTS else 'function'}; "
                                  "choose another variable name")
    if len(set(variables)) != len(variables):
        raise ExpressionError(f"a variable is named twice in {', '.join(variables)}")


def parse_number(text: str) -> float:
    """A constant expression such as `pi`, `2*pi/3` or `-1.5`, as a float."""
    value = parse(text, variables=()).evaluate({})
    if isinstance(value, tuple):
        raise ExpressionError(f"expected one number, got {len(value)} separated by commas", text)
    return float(value.data)
