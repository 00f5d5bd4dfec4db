"""Conformance of the `ndgrad` namespace to the Python array API standard (2024.12).

The oracle is `array_api_strict` (the standard's reference implementation,
pinned to the 2024.12 revision): every case calls the same function with the
same arguments in both namespaces and compares the result's type, shape,
dtype (the standard's promotion table), values and signed zeros.  The
official data-apis/array-api-tests suite is not installable here (only PyPI
is reachable), so these tests follow its checks where they matter most:
names, signatures (array-api-tests' rules), dtypes and values.

Functions that ndgrad does not export yet are looked up in the modules that
define them (ops/sets.py, ops/search.py, ops/standard.py), so their behaviour
is tested now; `test_every_standard_name_is_exported` fails until the
namespace exports them all.
"""

from __future__ import annotations

import inspect
import math
import operator
from collections.abc import Callable
from typing import Any

import array_api_strict as xs
import numpy as np
import pytest

import ndgrad as nd
from ndgrad.ops import search, sets, standard

xs.set_array_api_strict_flags(api_version="2024.12")

# Special values (nan, inf, -0.0) are deliberate inputs.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

# ----------------------------------------------------------------- the names

# array_api_strict's own helpers, and names the 2025.12 revision added.
_NOT_STANDARD = {"ArrayAPIStrictFlags", "Device", "__version__", "get_array_api_strict_flags",
                 "set_array_api_strict_flags", "reset_array_api_strict_flags"}
_LATER_REVISIONS = {"isin", "broadcast_shapes"}
STANDARD_NAMES = sorted(set(xs.__all__) - _NOT_STANDARD - _LATER_REVISIONS)
LINALG_NAMES = sorted(xs.linalg.__all__)
FFT_NAMES = sorted(xs.fft.__all__)

# The array object (the standard's "Array object" page, 2024.12).
ARRAY_ATTRIBUTES = ["dtype", "device", "mT", "ndim", "shape", "size", "T"]
ARRAY_METHODS = [
    "__abs__", "__add__", "__and__", "__array_namespace__", "__bool__", "__complex__", "__dlpack__",
    "__dlpack_device__", "__eq__", "__float__", "__floordiv__", "__ge__", "__getitem__", "__gt__", "__index__",
    "__int__", "__invert__", "__le__", "__lshift__", "__lt__", "__matmul__", "__mod__", "__mul__", "__ne__",
    "__neg__", "__or__", "__pos__", "__pow__", "__rshift__", "__setitem__", "__sub__", "__truediv__", "__xor__",
    "to_device",
    # in place
    "__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__", "__ipow__", "__imatmul__", "__imod__",
    "__iand__", "__ior__", "__ixor__", "__ilshift__", "__irshift__",
    # reflected
    "__radd__", "__rsub__", "__rmul__", "__rtruediv__", "__rfloordiv__", "__rpow__", "__rmatmul__", "__rmod__",
    "__rand__", "__ror__", "__rxor__", "__rlshift__", "__rrshift__",
]

_MINE = (sets, search, standard)


def ours(name: str) -> Any:
    """`ndgrad.<name>`, or the definition in this helper's modules until ndgrad exports it."""
    if hasattr(nd, name):
        return getattr(nd, name)
    for module in _MINE:
        if name in module.__all__:
            return getattr(module, name)
    raise AttributeError(f"ndgrad has no {name!r}")


class _Ours:
    """The namespace under test, as a case sees it."""

    linalg = property(lambda self: nd.linalg)
    fft = property(lambda self: nd.fft)

    def __getattr__(self, name: str) -> Any:
        return ours(name)


OURS, THEIRS = _Ours(), xs


def test_the_reference_is_pinned_to_2024_12():
    assert xs.__array_api_version__ == "2024.12" == nd.__array_api_version__
    assert len(STANDARD_NAMES) >= 150


def test_every_standard_name_is_exported():
    missing = [n for n in STANDARD_NAMES if not hasattr(nd, n)]
    assert not missing, f"ndgrad lacks {len(missing)} of the standard's {len(STANDARD_NAMES)} names: {missing}"


def test_every_standard_name_is_defined_somewhere():
    """What this helper's modules must supply beyond ndgrad's exports (real/imag/conj: elementwise)."""
    missing = []
    for n in STANDARD_NAMES:
        try:
            ours(n)
        except AttributeError:
            missing.append(n)
    assert not missing, f"no definition of {missing}"


@pytest.mark.parametrize("ext,names", [("linalg", LINALG_NAMES), ("fft", FFT_NAMES)])
def test_every_extension_name_is_exported(ext, names):
    module = getattr(nd, ext)
    missing = [n for n in names if not hasattr(module, n)]
    assert not missing, f"ndgrad.{ext} lacks {missing}"


def test_later_revision_names_are_defined():
    assert ours("isin") is sets.isin and ours("broadcast_shapes") is standard.broadcast_shapes


def test_tensor_has_every_standard_attribute():
    strict_array = type(xs.asarray([1.0]))
    assert all(hasattr(strict_array, n) for n in ARRAY_ATTRIBUTES + ARRAY_METHODS)  # the list is right
    t = nd.asarray([[1.0, 2.0], [3.0, 4.0]])
    missing = [n for n in ARRAY_ATTRIBUTES + ARRAY_METHODS if not hasattr(t, n)]
    assert not missing, f"Tensor lacks {missing}"


@pytest.mark.parametrize("name", ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                                  "uint64", "float32", "float64", "complex64", "complex128"])
def test_dtype_objects(name):
    dtype = ours(name)
    assert dtype == np.dtype(name) and dtype == xs.asarray(0, dtype=getattr(xs, name))._array.dtype
    assert nd.zeros((1,), dtype=dtype).dtype == dtype


def test_the_bool_dtype_is_numpys_bool():
    assert ours("bool") is np.bool_
    assert (nd.asarray([1.0, 0.0]) > 0.5).dtype == ours("bool")


def test_constants():
    assert nd.e == math.e and nd.pi == math.pi and nd.inf == math.inf and math.isnan(nd.nan)
    assert nd.newaxis is None and isinstance(nd.e, float)


# ------------------------------------------------------------- signatures


def _signature_problems(ours_fn: Callable, stub_fn: Callable) -> list[str]:
    """array-api-tests' rules: positional-only parameters may take any name but
    must be accepted by position; positional-or-keyword ones must keep the
    name and kind; keyword-only ones must exist by name (or be
    positional-or-keyword)."""
    stub = list(inspect.signature(stub_fn).parameters.values())
    sig = inspect.signature(ours_fn)
    params = list(sig.parameters.values())
    var_positional = next((i for i, p in enumerate(params) if p.kind is p.VAR_POSITIONAL), None)
    problems = []
    for i, s in enumerate(p for p in stub if p.kind is not p.KEYWORD_ONLY):
        if s.kind is s.VAR_POSITIONAL:
            if var_positional is None:
                problems.append(f"*{s.name} missing")
            continue
        if var_positional is not None and var_positional <= i:
            continue  # taken by *args
        if i >= len(params) or params[i].kind not in (s.POSITIONAL_ONLY, s.POSITIONAL_OR_KEYWORD):
            problems.append(f"{s.name!r} must be accepted at position {i}")
        elif s.kind is s.POSITIONAL_OR_KEYWORD and (params[i].name, params[i].kind) != (s.name, s.kind):
            problems.append(f"position {i} must be the positional-or-keyword {s.name!r}, got {params[i]}")
    names = {p.name: p for p in params}
    for s in (p for p in stub if p.kind is p.KEYWORD_ONLY):
        p = names.get(s.name)
        if p is None or p.kind not in (s.KEYWORD_ONLY, s.POSITIONAL_OR_KEYWORD):
            problems.append(f"keyword {s.name!r} missing")
    return problems


_FUNCTIONS = [n for n in STANDARD_NAMES if callable(getattr(xs, n)) and not isinstance(getattr(xs, n), type)
              and n not in {"bool", "__array_namespace_info__"}]


@pytest.mark.parametrize("name", _FUNCTIONS)
def test_signature(name):
    problems = _signature_problems(ours(name), getattr(xs, name))
    assert not problems, f"{name}{inspect.signature(ours(name))}: {problems}"


@pytest.mark.parametrize("ext,name", [("linalg", n) for n in LINALG_NAMES] + [("fft", n) for n in FFT_NAMES])
def test_extension_signature(ext, name):
    fn = getattr(getattr(nd, ext), name, None)
    assert fn is not None, f"ndgrad.{ext}.{name} is missing"
    problems = _signature_problems(fn, getattr(getattr(xs, ext), name))
    assert not problems, f"{ext}.{name}{inspect.signature(fn)}: {problems}"


# ------------------------------------------------------------ value cases


class Arr:
    """An array literal that each namespace builds with its own `asarray`."""

    def __init__(self, values: Any, dtype: str | None = None) -> None:
        self.values = np.asarray(values, dtype=dtype)

    def build(self, ns: Any) -> Any:
        return ns.asarray(self.values.copy())

    def __repr__(self) -> str:
        return f"{self.values.dtype}{list(self.values.shape)}"


class Dt:
    """A dtype by name, looked up in each namespace."""

    def __init__(self, name: str) -> None:
        self.name = name

    def build(self, ns: Any) -> Any:
        return getattr(ns, self.name)

    def __repr__(self) -> str:
        return self.name


def _build(ns: Any, v: Any) -> Any:
    if isinstance(v, (Arr, Dt)):
        return v.build(ns)
    if isinstance(v, (list, tuple)):
        return type(v)(_build(ns, e) for e in v)
    if isinstance(v, dict):
        return {k: _build(ns, e) for k, e in v.items()}
    return v


class Case:
    """`f(namespace, *args, **kwargs)` run on both namespaces; `values=False`
    compares only types, shapes and dtypes (e.g. `empty`); `tol` loosens the
    comparison of floats (results of different but equivalent algorithms)."""

    def __init__(
        self, label: str, f: Callable, *args: Any, values: bool = True, tol: float | None = None, **kwargs: Any
    ) -> None:
        self.label, self.f, self.args, self.kwargs, self.values, self.tol = label, f, args, kwargs, values, tol

    def run(self, ns: Any) -> Any:
        return self.f(ns, *_build(ns, self.args), **_build(ns, self.kwargs))

    @property
    def id(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.label}({', '.join(parts)})"


def _lookup(ns: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        ns = getattr(ns, part)
    return ns


def fn(name: str, *args: Any, values: bool = True, tol: float | None = None, **kwargs: Any) -> Case:
    """`name(*args, **kwargs)`; a dotted name reaches into an extension (`linalg.det`)."""
    return Case(name, lambda ns, *a, **k: _lookup(ns, name)(*a, **k), *args, values=values, tol=tol, **kwargs)


def op(label: str, f: Callable, *args: Any) -> Case:
    """An operator or method applied to the built arguments."""
    return Case(label, lambda ns, *a: f(*a), *args)


def _inplace(f: Callable) -> Callable:
    def run(a: Any, b: Any) -> Any:
        a2 = f(a, b)
        if isinstance(a, nd.Tensor):
            assert a2 is a, "an in-place operator must update the tensor itself (define __i<op>__)"
        return a2

    return run


# Inputs.
F64 = Arr([-2.5, -0.5, -0.0, 0.0, 0.5, 1.5, 2.5, 3.0])
F32 = Arr([-2.5, -0.5, -0.0, 0.0, 0.5, 1.5, 2.5, 3.0], "float32")
SPECIAL = Arr([np.nan, np.inf, -np.inf, -0.0, 0.0, -1.0, 1.0])
UNIT = Arr([-0.9, -0.5, -0.0, 0.0, 0.5, 0.9])
POS = Arr([0.5, 1.0, 2.0, 10.0])
POS32 = Arr([0.5, 1.0, 2.0, 10.0], "float32")
GE1 = Arr([1.0, 1.5, 3.0])
C128 = Arr([1 + 2j, -0.5 + 0j, 0 - 1j, 2.5 + 0.5j], "complex128")
C64 = Arr([1 + 2j, -0.5 + 0j, 0 - 1j, 2.5 + 0.5j], "complex64")
I64 = Arr([-7, -2, 0, 3, 5])
I8 = Arr([-7, -2, 0, 3, 5], "int8")
U8 = Arr([0, 1, 7, 200, 255], "uint8")
I16 = Arr([-300, 2, 0, 3, 1000], "int16")
I32 = Arr([3, -1, 4, 1, -5], "int32")
U32 = Arr([3, 1, 4, 1, 5], "uint32")
B = Arr([True, False, True, False, True], "bool")
B2 = Arr([True, True, False, False, True], "bool")
M = Arr([[1.0, -2.0, 3.0], [4.0, 0.5, -6.0]])
M32 = Arr([[1.0, -2.0, 3.0], [4.0, 0.5, -6.0]], "float32")
SQ = Arr([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]])
T3 = Arr(np.arange(24.0).reshape(2, 3, 4) - 11.5)
TIES = Arr([3.0, 1.0, 2.0, 1.0, 3.0, 2.0, 1.0])
TIES2D = Arr([[3, 1, 2, 1], [2, 2, 0, 2]], "int64")
DUP = Arr([[3.0, np.nan, 1.0], [3.0, np.nan, -0.0]])
SORTED = Arr([1.0, 2.0, 2.0, 3.0, 5.0])
BIG_TIES = Arr(np.random.default_rng(0).integers(0, 3, 300).astype(float))  # long enough for unstable sorts

UNARY = {
    "abs": [F64, F32, SPECIAL, I8, C128],
    "acos": [UNIT], "acosh": [GE1], "asin": [UNIT], "asinh": [F64], "atan": [F64], "atanh": [UNIT],
    "ceil": [F64, SPECIAL, I64], "cos": [F64, C128], "cosh": [F64], "exp": [F64, F32, C128],
    "expm1": [F64, SPECIAL], "floor": [F64, SPECIAL, I8], "isfinite": [SPECIAL, I64, C128],
    "isinf": [SPECIAL, I64], "isnan": [SPECIAL, C128], "log": [POS, POS32, C128], "log10": [POS],
    "log1p": [POS, UNIT], "log2": [POS], "negative": [F64, SPECIAL, I8, U8, C64], "positive": [F64, SPECIAL, I8],
    "reciprocal": [POS, POS32], "round": [F64, SPECIAL, I64, C128], "sign": [F64, SPECIAL, I8, C128],
    "signbit": [F64, SPECIAL], "sin": [F64, F32, SPECIAL, C128], "sinh": [F64], "sqrt": [POS, POS32, C128],
    "square": [F64, I8, C128], "tan": [F64], "tanh": [F64, SPECIAL], "trunc": [F64, SPECIAL, I64],
    "logical_not": [B], "bitwise_invert": [I8, U8, B],
    "conj": [C128, C64], "real": [C128, C64], "imag": [C128, C64],
}

BINARY_FLOAT = ["add", "subtract", "multiply", "divide", "pow", "atan2", "hypot", "logaddexp", "maximum", "minimum",
                "copysign", "nextafter", "remainder", "floor_divide", "equal", "not_equal", "less", "less_equal",
                "greater", "greater_equal"]
BINARY_INT = ["add", "subtract", "multiply", "floor_divide", "remainder", "bitwise_and", "bitwise_or", "bitwise_xor",
              "equal", "less", "maximum", "minimum"]
F64B = Arr([1.0, -3.0, 2.0, -0.0, np.nan, 0.25, -1.5, 0.5])
COL = Arr([[1.0], [-2.0], [0.5]])
ROW = Arr([0.5, -1.0, 2.0, -0.0])

CASES: list[Case] = []
CASES += [fn(name, x) for name, inputs in UNARY.items() for x in inputs]
CASES += [fn(name, F64, F64B) for name in BINARY_FLOAT]
CASES += [fn(name, COL, ROW) for name in BINARY_FLOAT]  # broadcasting
CASES += [fn(name, F32, 2.0) for name in BINARY_FLOAT]  # weak Python float
CASES += [fn(name, 2, F32) for name in ["add", "multiply", "pow", "maximum", "copysign", "less"]]  # scalar first
CASES += [fn(name, I64, Arr([2, 3, -4, 1, -2])) for name in BINARY_INT]
CASES += [fn(name, I8, U8) for name in ["add", "multiply", "maximum", "bitwise_and", "equal"]]  # -> int16
CASES += [fn(name, I8, 3) for name in BINARY_INT]  # weak Python int keeps int8
CASES += [fn(name, U8, I16) for name in ["add", "subtract", "bitwise_or"]]
CASES += [fn(name, U32, I32) for name in ["add", "multiply"]]  # -> int64
CASES += [fn(name, F32, Arr(F64B.values[:8])) for name in ["add", "multiply", "atan2"]]  # -> float64
CASES += [fn(name, Arr([1.0, 2.0, -1.0, 0.5], "float32"), C64) for name in ["add", "multiply", "divide", "equal"]]
CASES += [fn(name, Arr([1.0, 2.0, -1.0, 0.5]), C64) for name in ["add", "subtract"]]  # -> complex128
CASES += [fn(name, C128, C128) for name in ["add", "multiply", "divide", "pow", "equal", "not_equal"]]
CASES += [fn("pow", Arr([2, 3, -2, 0, 5]), Arr([3, 0, 2, 5, 1])), fn("pow", I8, 2), fn("pow", 2.0, F32)]
CASES += [fn(name, B, B2) for name in ["logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or",
                                         "bitwise_xor", "equal", "not_equal"]]
CASES += [fn(name, Arr([1, 2, 8, 64]), Arr([0, 1, 3, 2])) for name in ["bitwise_left_shift", "bitwise_right_shift"]]
CASES += [fn(name, U8, 2) for name in ["bitwise_left_shift", "bitwise_right_shift"]]
CASES += [
    fn("clip", F64, -1.0, 2.0), fn("clip", F64, min=0.0), fn("clip", F64, max=0.5), fn("clip", F32, -1, 1),
    fn("clip", I8, -3, 4), fn("clip", M, Arr([[0.0], [1.0]]), 2.0), fn("clip", SPECIAL, -1.0, 1.0),
    fn("clip", F64),
    fn("where", Arr([True, False, True]), Arr([1.0, 2.0, 3.0]), Arr([-1.0, -2.0, -3.0])),
    fn("where", Arr([[True], [False]]), M, 0.0), fn("where", B, Arr([1.0, 2.0, 3.0, 4.0, 5.0], "float32"), 0.0),
    fn("where", B, -1, I8),
]

# Creation.
CASES += [
    fn("arange", 5), fn("arange", 1, 7, 2), fn("arange", 0.0, 1.0, 0.25), fn("arange", 5, dtype=Dt("float32")),
    fn("arange", 10, 0, -3), fn("arange", 0, 0),
    fn("asarray", [1, 2, 3]), fn("asarray", [1.0, 2.0], dtype=Dt("float32")), fn("asarray", True),
    fn("asarray", 3.0), fn("asarray", [[1, 2], [3, 4]], dtype=Dt("int8")), fn("asarray", [1j, 2]),
    fn("asarray", F32, copy=True), fn("asarray", F64, dtype=Dt("float32")),
    fn("empty", (2, 3), values=False), fn("empty", 4, dtype=Dt("int32"), values=False),
    fn("empty_like", M, values=False), fn("empty_like", M, dtype=Dt("int16"), values=False),
    fn("eye", 3), fn("eye", 2, 4, k=1), fn("eye", 3, dtype=Dt("int32")), fn("eye", 3, 2, k=-1),
    fn("full", (2, 2), 3.0), fn("full", (2,), 1, dtype=Dt("int8")), fn("full", (2,), True), fn("full", 3, 1.5),
    fn("full", (2,), 1j),
    fn("full_like", M, 7), fn("full_like", I8, 3, dtype=Dt("float32")),
    fn("linspace", 0, 1, 5), fn("linspace", 0.0, 1.0, 4, endpoint=False), fn("linspace", 2, -1, 7),
    fn("linspace", 0, 1, 3, dtype=Dt("float32")),
    fn("meshgrid", Arr([1.0, 2.0, 3.0]), Arr([4.0, 5.0])),
    fn("meshgrid", Arr([1.0, 2.0, 3.0]), Arr([4.0, 5.0]), indexing="ij"),
    fn("meshgrid", Arr([1, 2]), Arr([3, 4, 5]), Arr([6])),
    fn("ones", (2, 3)), fn("ones", 3, dtype=Dt("uint8")), fn("ones", ()), fn("ones_like", M32),
    fn("zeros", (0, 2)), fn("zeros", 4), fn("zeros_like", I8, dtype=Dt("float64")),
    fn("tril", M), fn("tril", SQ, k=-1), fn("triu", SQ, k=1), fn("triu", T3), fn("tril", T3, k=2),
    fn("from_dlpack", F32), fn("from_dlpack", I64),
]

# Data types.
CASES += [
    fn("astype", I8, Dt("float32")), fn("astype", F64, Dt("int16")), fn("astype", F32, Dt("float32"), copy=False),
    fn("astype", B, Dt("uint8")), fn("astype", F64, Dt("complex128")),
    fn("can_cast", Dt("int8"), Dt("int16")), fn("can_cast", Dt("int16"), Dt("uint8")),
    fn("can_cast", Dt("float32"), Dt("float64")), fn("can_cast", Dt("float64"), Dt("float32")),
    fn("can_cast", Dt("uint8"), Dt("int16")), fn("can_cast", I8, Dt("int64")),
    fn("finfo", Dt("float32")), fn("finfo", Dt("float64")), fn("finfo", F32), fn("finfo", Dt("complex64")),
    fn("iinfo", Dt("int16")), fn("iinfo", Dt("uint64")), fn("iinfo", I8),
    fn("isdtype", Dt("float32"), "real floating"), fn("isdtype", Dt("uint8"), "signed integer"),
    fn("isdtype", Dt("int8"), ("integral", "bool")), fn("isdtype", Dt("complex64"), "numeric"),
    fn("isdtype", Dt("bool"), "numeric"), fn("isdtype", Dt("float64"), Dt("float64")),
    fn("result_type", Dt("int8"), Dt("uint8")), fn("result_type", Dt("float32"), Dt("float64")),
    fn("result_type", Dt("uint32"), Dt("int32")), fn("result_type", Dt("float32"), Dt("complex64")),
    fn("result_type", Dt("float64"), Dt("complex64")), fn("result_type", F32, F64),
    fn("result_type", F32, 1.0), fn("result_type", I8, 1), fn("result_type", Dt("bool"), Dt("bool")),
    fn("result_type", Dt("int8"), Dt("int16"), Dt("uint16")),
]

# Indexing, linear algebra, manipulation.
IDX = Arr([2, 0, 2], "int64")
CASES += [
    fn("take", M, IDX, axis=1), fn("take", Arr([5.0, 6.0, 7.0]), IDX), fn("take", T3, Arr([1, 0]), axis=-2),
    fn("take_along_axis", M, Arr([[2, 0], [1, 1]]), axis=1), fn("take_along_axis", M, Arr([[1, 0, 1]]), axis=0),
    fn("take_along_axis", M, Arr([[2], [0]])),
    fn("matmul", M, SQ), fn("matmul", Arr([1.0, 2.0, 3.0]), SQ), fn("matmul", SQ, Arr([1.0, 2.0, 3.0])),
    fn("matmul", T3, Arr(np.ones((4, 2)))), fn("matmul", M32, Arr(np.ones((3, 2)), "float32")),
    fn("matmul", Arr([[1, 2], [3, 4]]), Arr([[1, 0], [2, 1]])),
    fn("matrix_transpose", T3), fn("matrix_transpose", M),
    fn("tensordot", M, SQ, axes=1), fn("tensordot", T3, Arr(np.ones((3, 4))), axes=2),
    fn("tensordot", M, SQ, axes=((1,), (0,))),
    fn("vecdot", M, Arr([1.0, 0.5, -1.0])), fn("vecdot", M, M, axis=-2), fn("vecdot", C128, C128),
    fn("broadcast_arrays", M, Arr([1.0, 2.0, 3.0]), Arr([[1.0], [2.0]])),
    fn("broadcast_to", Arr([1.0, 2.0, 3.0]), (2, 3)), fn("broadcast_to", Arr(5.0), (2,)),
    fn("concat", [M, M]), fn("concat", [M, M], axis=1), fn("concat", [M, SQ], axis=None),
    fn("concat", (Arr([1, 2], "int8"), Arr([3], "int16"))),
    fn("expand_dims", M, axis=0), fn("expand_dims", M, axis=-1), fn("expand_dims", M, axis=1),
    fn("flip", M), fn("flip", T3, axis=(0, 2)), fn("flip", T3, axis=-1),
    fn("moveaxis", T3, 0, -1), fn("moveaxis", T3, (0, 1), (-1, -2)),
    fn("permute_dims", T3, (2, 0, 1)),
    fn("repeat", Arr([1.0, 2.0, 3.0]), 2), fn("repeat", M, Arr([1, 0]), axis=0), fn("repeat", M, 2, axis=1),
    fn("repeat", M, 2),
    fn("reshape", T3, (4, -1)), fn("reshape", M, (3, 2), copy=True), fn("reshape", M, (-1,)),
    fn("roll", Arr([1.0, 2.0, 3.0, 4.0]), 1), fn("roll", M, (1, 2), axis=(0, 1)), fn("roll", M, -1, axis=1),
    fn("roll", M, 4),
    fn("squeeze", Arr([[1.0, 2.0]]), 0), fn("squeeze", Arr(np.ones((1, 3, 1))), axis=(0, 2)),
    fn("stack", [M, M]), fn("stack", [M, M], axis=-1), fn("stack", (Arr([1, 2]), Arr([3, 4])), axis=1),
    fn("tile", M, (2, 1)), fn("tile", Arr([1.0, 2.0]), (2, 2)), fn("tile", M, (2,)),
    fn("unstack", M), fn("unstack", T3, axis=-1),
]

# Searching, sets, sorting, statistics, utilities.
CASES += [
    fn("argmax", M), fn("argmax", M, axis=0), fn("argmax", M, axis=1, keepdims=True), fn("argmax", TIES),
    fn("argmin", M, axis=-1), fn("argmin", TIES), fn("argmin", SPECIAL),
    fn("count_nonzero", M), fn("count_nonzero", T3, axis=(0, 2)), fn("count_nonzero", B, keepdims=True),
    fn("nonzero", M), fn("nonzero", B), fn("nonzero", Arr(np.eye(3))),
    fn("searchsorted", SORTED, Arr([2.0, 0.0, 6.0, 3.5])), fn("searchsorted", SORTED, Arr([2.0, 3.0]), side="right"),
    fn("searchsorted", Arr([3.0, 1.0, 2.0]), Arr([[1.5], [2.5]]), sorter=Arr([1, 2, 0])),
    fn("searchsorted", Arr([1, 3, 5], "int32"), Arr([3, 4], "int32")),
    fn("unique_all", DUP), fn("unique_all", TIES2D), fn("unique_counts", DUP), fn("unique_counts", B),
    fn("unique_inverse", DUP), fn("unique_inverse", TIES2D), fn("unique_values", DUP), fn("unique_values", I8),
    fn("unique_values", Arr([[2, 2], [1, 2]], "uint8")), fn("unique_values", Arr(np.zeros((0, 2)))),
    fn("unique_all", Arr(2.5)), fn("unique_inverse", Arr([[-0.0, 0.0], [np.inf, -np.inf]])),
    fn("unique_counts", Arr(np.zeros((2, 0), "int32"))), fn("unique_all", C128),
    fn("searchsorted", SORTED, Arr(np.zeros((0,)))), fn("searchsorted", Arr([1.0, 2.0, np.nan]), Arr([np.nan, 3.0])),
    fn("searchsorted", Arr(np.zeros((0,))), Arr([1.0])),
    fn("broadcast_arrays", M), fn("broadcast_arrays", Arr(1.0), Arr([[1, 2]], "int8")), fn("broadcast_arrays"),
    fn("copysign", SPECIAL, Arr([-1.0, 1.0, -0.0, 1.0, -np.inf, 0.0, np.nan])),
    fn("copysign", Arr([1.0, -2.0], "float32"), Arr([[-0.0], [1.0]], "float32")),
    fn("nextafter", SPECIAL, Arr([0.0, 0.0, 0.0, 1.0, -1.0, np.nan, np.inf])),
    fn("nextafter", Arr([1.0, 0.0], "float32"), Arr([2.0, -1.0], "float32")),
    fn("sort", TIES), fn("sort", TIES, descending=True), fn("sort", M, axis=0), fn("sort", SPECIAL),
    fn("sort", TIES2D, axis=1, descending=True, stable=True), fn("sort", TIES, stable=False),
    fn("argsort", TIES), fn("argsort", TIES, descending=True), fn("argsort", TIES2D, axis=0, descending=True),
    fn("argsort", TIES2D, axis=-1), fn("argsort", M, axis=0),
    fn("argsort", BIG_TIES), fn("argsort", BIG_TIES, descending=True), fn("argsort", BIG_TIES, stable=True),
    fn("cumulative_sum", F64), fn("cumulative_sum", M, axis=1), fn("cumulative_sum", M, axis=0, include_initial=True),
    fn("cumulative_sum", I8), fn("cumulative_sum", U8, dtype=Dt("uint16")),
    fn("cumulative_prod", POS), fn("cumulative_prod", M, axis=1, include_initial=True), fn("cumulative_prod", I32),
    fn("max", M), fn("max", M, axis=0), fn("max", T3, axis=(0, 2), keepdims=True), fn("max", SPECIAL),
    fn("max", I8), fn("min", M, axis=1), fn("min", U8),
    fn("mean", M), fn("mean", M32, axis=1), fn("mean", T3, axis=(-1, 0), keepdims=True), fn("mean", C128),
    fn("prod", M), fn("prod", I8), fn("prod", U8, axis=0), fn("prod", M32, dtype=Dt("float64")),
    fn("prod", M, axis=1, keepdims=True),
    fn("std", M), fn("std", M, correction=1), fn("std", T3, axis=(0, 1)), fn("std", M32, axis=0, keepdims=True),
    fn("var", M), fn("var", M, axis=1, correction=1.5), fn("var", M32),
    fn("sum", M), fn("sum", I8), fn("sum", U8), fn("sum", I32, dtype=Dt("int32")), fn("sum", M32),
    fn("sum", M32, dtype=Dt("float64")), fn("sum", T3, axis=(0, -1), keepdims=True),
    fn("sum", C64), fn("sum", Arr(np.zeros((0, 3))), axis=0),
    fn("all", B), fn("all", M, axis=0), fn("all", SPECIAL), fn("any", Arr([[0, 0], [0, 1]]), axis=1, keepdims=True),
    fn("any", Arr(np.zeros((0,)))),
    fn("diff", F64), fn("diff", M, axis=0), fn("diff", F64, n=2), fn("diff", I8),
    fn("diff", M, axis=1, prepend=Arr([[0.0], [1.0]]), append=Arr([[9.0], [9.0]])),
]

# The array object: operators (with scalars, promotion, broadcasting), indexing, conversions.
IA = Arr([5, -3, 8, 0], "int32")
IB = Arr([2, 4, -3, 7], "int32")
CASES += [op(f"x {sym} y", f, a, b) for sym, f in [
    ("+", operator.add), ("-", operator.sub), ("*", operator.mul), ("/", operator.truediv), ("**", operator.pow),
    ("//", operator.floordiv), ("%", operator.mod), ("==", operator.eq), ("!=", operator.ne), ("<", operator.lt),
    ("<=", operator.le), (">", operator.gt), (">=", operator.ge),
] for a, b in [(F64, F64B), (COL, ROW), (F32, 3.0), (2.0, F32), (F32, 2)]]
CASES += [op(f"x {sym} y", f, a, b) for sym, f in [
    ("+", operator.add), ("*", operator.mul), ("//", operator.floordiv), ("%", operator.mod), ("&", operator.and_),
    ("|", operator.or_), ("^", operator.xor), ("<<", operator.lshift), (">>", operator.rshift),
] for a, b in [(IA, Arr([1, 2, 3, 1], "int32")), (IA, 2), (I8, U8), (3, IA)]]
CASES += [op(f"x {sym} y", f, B, B2) for sym, f in [("&", operator.and_), ("|", operator.or_), ("^", operator.xor)]]
CASES += [op("x @ y", operator.matmul, M, SQ), op("x @ y", operator.matmul, Arr([1.0, 2.0]), M)]
CASES += [op(f"{sym}x", f, a) for sym, f in [("-", operator.neg), ("+", operator.pos), ("abs", abs)]
          for a in (F64, I8, SPECIAL)]
CASES += [op("~x", operator.invert, a) for a in (I8, U8, B)]
CASES += [op(f"x {sym}= y", _inplace(f), a, b) for sym, f, a, b in [
    ("+", operator.iadd, F64, F64B), ("-", operator.isub, M, Arr([1.0, 2.0, 3.0])),
    ("*", operator.imul, F32, 2.0), ("/", operator.itruediv, F32, 4), ("**", operator.ipow, POS, 2.0),
    ("//", operator.ifloordiv, IA, IB), ("%", operator.imod, IA, IB), ("@", operator.imatmul, SQ, SQ),
    ("&", operator.iand, IA, IB), ("|", operator.ior, B, B2), ("^", operator.ixor, IA, 5),
    ("<<", operator.ilshift, IA, 1), (">>", operator.irshift, IA, Arr([1, 0, 2, 1], "int32")),
    ("+", operator.iadd, I8, 3),
]]


def _index_case(label: str, key: Callable[[Any], Any]) -> Case:
    return Case(f"x[{label}]", lambda ns, x: x[key(ns)], T3)


CASES += [
    _index_case("1, ...", lambda ns: (1, ...)), _index_case("-1, 2, ...", lambda ns: (-1, 2, ...)),
    _index_case("1:, ::-1, :", lambda ns: (slice(1, None), slice(None, None, -1), slice(None))),
    _index_case("..., 0", lambda ns: (..., 0)), _index_case("None, 1, ...", lambda ns: (None, 1, ...)),
    _index_case("..., None", lambda ns: (..., None)),
    _index_case("0, 1:3, ::-2", lambda ns: (0, slice(1, 3), slice(None, None, -2))),
    _index_case("...", lambda ns: ...), _index_case("0, 0, 0", lambda ns: (0, 0, 0)),
    _index_case("bool mask", lambda ns: ns.asarray(np.arange(24).reshape(2, 3, 4) % 3 == 0)),
    _index_case("int array, 0, 2", lambda ns: (ns.asarray([1, 0, 1]), 0, 2)),
    _index_case("int arrays", lambda ns: (ns.asarray([1, 0]), ns.asarray([2, 1]), ns.asarray([[3], [0]]))),
    _index_case("1, int array, 0", lambda ns: (1, ns.asarray([[2], [0]]), 0)),
    _index_case("0-d int, 2, 3", lambda ns: (ns.asarray(1), 2, ns.asarray([3, -1]))),
    _index_case("empty slice", lambda ns: (slice(1, 1), ...)),
]


def _setitem(key: Any, value: Any) -> Callable:
    def run(ns: Any, x: Any) -> Any:
        x[key(ns) if callable(key) else key] = value(ns) if callable(value) else value
        return x

    return run


CASES += [
    Case("x[1] = 0.5", _setitem((1, ...), 0.5), M),
    Case("x[:, 0] = v", _setitem((slice(None), 0), lambda ns: ns.asarray([7.0, 8.0])), M),
    Case("x[mask] = 0", _setitem(lambda ns: ns.asarray([[True, False, True], [False, False, True]]), 0.0), M),
    Case("x[..., -1] = 2", _setitem((..., -1), 2), Arr([[1, 2], [3, 4]], "int8")),
]

CASES += [
    op("x.T", lambda x: x.T, M), op("x.mT", lambda x: x.mT, T3), op("x.mT", lambda x: x.mT, SQ),
    op("x.to_device(x.device)", lambda x: x.to_device(x.device), M),
    op("float(x)", lambda x: float(x[0]), F64), op("int(x)", lambda x: int(x[1]), I8),
    op("bool(x)", lambda x: bool(x[0]), B),
    op("complex(x)", lambda x: complex(x[0]), C128), op("x.__index__()", lambda x: x[2].__index__(), I64),
    op("len(x.shape)", lambda x: (x.shape, x.ndim, x.size), T3),
    op("x.dtype", lambda x: x.dtype, U8),
]


# Type promotion: every pair of dtypes the standard's table covers (the
# reference refuses the others), through `add` (`logical_and` for bools) and
# `result_type`.
DTYPE_NAMES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64",
               "complex64", "complex128"]


def _promotable(a: str, b: str) -> bool:
    try:
        xs.result_type(getattr(xs, a), getattr(xs, b))
    except TypeError:
        return False
    return True


PAIRS = [(a, b) for a in DTYPE_NAMES for b in DTYPE_NAMES if _promotable(a, b)]
CASES += [fn("logical_and" if a == "bool" else "add", Arr([1, 0, 1], a), Arr([1, 1, 0], b)) for a, b in PAIRS]
CASES += [fn("result_type", Dt(a), Dt(b)) for a, b in PAIRS]
CASES += [fn("result_type", Arr([1], a), s) for a in DTYPE_NAMES[1:] for s in (1, 1.0, 1j)
          if not (a[0] in "iu" and type(s) is not int) and not (a[0] == "f" and type(s) is complex)]

# Special values in both arguments: every pair of nan, ±inf, ±0, ±1, ±2.5.
_S = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, -1.0, 1.0, -2.5, 2.5])
SPECIAL_X1, SPECIAL_X2 = Arr(np.repeat(_S, _S.size)), Arr(np.tile(_S, _S.size))
CASES += [fn(name, SPECIAL_X1, SPECIAL_X2) for name in BINARY_FLOAT]

# The linalg extension (LAPACK results may differ in the last bits between algorithms).
SPD = Arr([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
GEN = Arr([[1.0, 2.0, 0.5], [-1.0, 0.3, 2.0], [0.7, -0.4, 1.1]])
STACK = Arr(np.stack([np.eye(3) * 2 + 0.1 * np.arange(9.0).reshape(3, 3), np.diag([1.0, 2.0, 3.0])]))
L = 1e-10
CASES += [
    fn("linalg.cholesky", SPD, tol=L), fn("linalg.cholesky", SPD, upper=True, tol=L),
    fn("linalg.cross", Arr([1.0, 2.0, 3.0]), Arr([[0.5, -1.0, 2.0], [1.0, 0.0, 0.0]])),
    fn("linalg.cross", Arr(np.ones((3, 2))), Arr(np.arange(6.0).reshape(3, 2)), axis=-2),
    fn("linalg.det", GEN, tol=L), fn("linalg.det", STACK, tol=L), fn("linalg.diagonal", T3),
    fn("linalg.diagonal", SQ, offset=1), fn("linalg.diagonal", M, offset=-1),
    fn("linalg.eigh", SPD, tol=L), fn("linalg.eigvalsh", STACK, tol=L), fn("linalg.inv", GEN, tol=L),
    fn("linalg.inv", STACK, tol=L), fn("linalg.matmul", M, SQ), fn("linalg.matrix_norm", GEN),
    fn("linalg.matrix_norm", GEN, ord=1), fn("linalg.matrix_norm", GEN, ord=-np.inf),
    fn("linalg.matrix_norm", GEN, ord=2, tol=L), fn("linalg.matrix_norm", GEN, ord="nuc", tol=L),
    fn("linalg.matrix_norm", STACK, keepdims=True), fn("linalg.matrix_power", GEN, 3, tol=L),
    fn("linalg.matrix_power", GEN, 0), fn("linalg.matrix_power", GEN, -2, tol=L),
    fn("linalg.matrix_rank", Arr([[1.0, 2.0], [2.0, 4.0]])), fn("linalg.matrix_rank", STACK),
    fn("linalg.matrix_rank", GEN, rtol=0.5),
    fn("linalg.matrix_transpose", T3), fn("linalg.outer", Arr([1.0, 2.0]), Arr([3.0, -1.0, 0.5])),
    fn("linalg.pinv", M, tol=L), fn("linalg.pinv", GEN, rtol=0.3, tol=L), fn("linalg.qr", GEN, tol=L),
    fn("linalg.qr", M, tol=L), fn("linalg.qr", Arr(np.arange(6.0).reshape(3, 2)), mode="complete", tol=L),
    fn("linalg.slogdet", GEN, tol=L), fn("linalg.slogdet", STACK, tol=L),
    fn("linalg.solve", GEN, Arr([[1.0], [2.0], [3.0]]), tol=L),
    fn("linalg.solve", STACK, Arr(np.ones((2, 3, 2))), tol=L),
    fn("linalg.svd", GEN, tol=L), fn("linalg.svd", M, full_matrices=False, tol=L), fn("linalg.svdvals", STACK, tol=L),
    fn("linalg.tensordot", M, SQ, axes=1), fn("linalg.trace", SQ), fn("linalg.trace", T3, offset=1),
    fn("linalg.trace", M32, dtype=Dt("float64")), fn("linalg.vecdot", M, Arr([1.0, 0.5, -1.0])),
    fn("linalg.vecdot", C128, C128),
    fn("linalg.vector_norm", M), fn("linalg.vector_norm", M, ord=1, axis=1), fn("linalg.vector_norm", M, ord=np.inf),
    fn("linalg.vector_norm", T3, axis=(0, 2), keepdims=True), fn("linalg.vector_norm", M, ord=0),
    fn("linalg.vector_norm", M, ord=-1), fn("linalg.vector_norm", C128, ord=3),
    fn("linalg.vector_norm", M32),
]

# The fft extension.
SIG = Arr([1.0, 2.0, -1.0, 0.5, 3.0, -2.0, 0.0, 1.5])
CSIG = Arr(np.array([1.0, 2.0, -1.0, 0.5]) + 1j * np.array([0.0, -1.0, 2.0, 0.5]))
GRID = Arr(np.arange(12.0).reshape(3, 4) ** 1.5)
F = 1e-12
CASES += [fn(f"fft.{name}", CSIG, tol=F) for name in ("fft", "ifft", "fftn", "ifftn")]
CASES += [fn(f"fft.{name}", CSIG, n=6, norm=norm, tol=F) for name in ("fft", "ifft") for norm in
          ("backward", "ortho", "forward")]
CASES += [fn(f"fft.{name}", Arr(np.asarray(GRID.values, complex)), axes=(0,), tol=F) for name in ("fftn", "ifftn")]
CASES += [
    fn("fft.fftn", Arr(np.asarray(GRID.values, complex)), s=(2, 6), axes=(0, 1), norm="ortho", tol=F),
    fn("fft.rfft", SIG, tol=F), fn("fft.rfft", SIG, n=5, norm="forward", tol=F), fn("fft.rfftn", GRID, tol=F),
    fn("fft.rfftn", GRID, s=(3, 6), axes=(0, 1), tol=F), fn("fft.irfft", CSIG, tol=F),
    fn("fft.irfft", CSIG, n=7, norm="ortho", tol=F), fn("fft.irfftn", Arr(np.asarray(GRID.values, complex)), tol=F),
    fn("fft.hfft", CSIG, tol=F), fn("fft.hfft", CSIG, n=5, tol=F), fn("fft.ihfft", SIG, tol=F),
    fn("fft.ihfft", SIG, norm="ortho", tol=F), fn("fft.fft", Arr(np.asarray(GRID.values, complex)), axis=0, tol=F),
    fn("fft.fftfreq", 8), fn("fft.fftfreq", 5, d=0.5), fn("fft.rfftfreq", 8), fn("fft.rfftfreq", 7, d=2.0),
    fn("fft.fftfreq", 4, dtype=Dt("float32")), fn("fft.fftshift", SIG), fn("fft.fftshift", GRID, axes=1),
    fn("fft.ifftshift", GRID), fn("fft.ifftshift", SIG, axes=0),
    fn("fft.fft", Arr(np.asarray([1, 2, 3, 4], "complex64")), tol=1e-5),
    fn("fft.rfft", Arr([1.0, 2.0, 3.0, 4.0], "float32"), tol=1e-5),
]


def _normal(result: Any) -> Any:
    """A comparable form of a result: (kind, payload)."""
    if isinstance(result, xs._array_object.Array):
        return "array", result._array
    if isinstance(result, nd.Tensor):
        return "array", np.asarray(result.data)
    if isinstance(result, tuple) and hasattr(result, "_fields"):
        return "namedtuple", (result._fields, [_normal(r) for r in result])
    if isinstance(result, (list, tuple)):
        return type(result).__name__, [_normal(r) for r in result]
    if hasattr(result, "_np_dtype"):
        return "dtype", np.dtype(result._np_dtype)
    if isinstance(result, (np.dtype, type)):
        return "dtype", np.dtype(result)
    if hasattr(result, "bits"):  # finfo / iinfo
        fields = ["bits", "eps", "max", "min", "smallest_normal", "dtype"]
        return "info", {f: _normal(getattr(result, f)) if f == "dtype" else getattr(result, f)
                        for f in fields if hasattr(result, f)}
    return type(result).__name__, result


def _assert_same(got: Any, want: Any, values: bool, where: str = "result", tol: float | None = None) -> None:
    (gk, g), (wk, w) = got, want
    assert gk == wk, f"{where}: ndgrad gives a {gk}, the standard a {wk}"
    if gk in ("list", "tuple", "namedtuple"):
        if gk == "namedtuple":
            assert g[0] == w[0], f"{where}: fields {g[0]} != {w[0]}"
            g, w = g[1], w[1]
        assert len(g) == len(w), f"{where}: {len(g)} results != {len(w)}"
        for i, (a, b) in enumerate(zip(g, w)):
            _assert_same(a, b, values, f"{where}[{i}]", tol)
        return
    if gk != "array":
        assert g == w, f"{where}: {g!r} != {w!r}"
        return
    assert g.shape == w.shape, f"{where}: shape {g.shape} != {w.shape}"
    assert g.dtype == w.dtype, f"{where}: dtype {g.dtype} != {w.dtype}"
    if not values:
        return
    if g.dtype.kind in "fc":
        rtol = tol or (1e-6 if g.dtype in (np.float32, np.complex64) else 1e-13)
        atol = tol or rtol * 1e-3
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True, err_msg=where)
        if g.dtype.kind == "f" and tol is None:
            zeros = (g == 0) & (w == 0)
            assert np.array_equal(np.signbit(g[zeros]), np.signbit(w[zeros])), f"{where}: signs of zeros differ"
    else:
        np.testing.assert_array_equal(g, w, err_msg=where)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_matches_the_reference(case):
    want = case.run(THEIRS)
    got = case.run(OURS)
    _assert_same(_normal(got), _normal(want), case.values, tol=case.tol)


# --------------------------------------------- namespace, devices, inspection


def test_array_namespace_accepts_the_standard_versions():
    t = nd.asarray([1.0])
    for version in (None, "2021.12", "2022.12", "2023.12", "2024.12"):
        assert t.__array_namespace__(api_version=version) is nd
    with pytest.raises(ValueError):
        t.__array_namespace__(api_version="1999.01")


def test_namespace_info_matches_the_reference():
    info, ref = ours("__array_namespace_info__")(), xs.__array_namespace_info__()
    assert info.capabilities() == ref.capabilities()
    assert info.default_device() == "cpu" and info.devices() == ["cpu"]
    want = {k: np.dtype(v._np_dtype) for k, v in ref.default_dtypes().items()}
    assert info.default_dtypes() == want
    for kind in (None, "bool", "signed integer", "unsigned integer", "integral", "real floating", "complex floating",
                 "numeric", ("bool", "real floating")):
        want = {k: np.dtype(v._np_dtype) for k, v in ref.dtypes(kind=kind).items()}
        assert info.dtypes(kind=kind) == want, kind
    with pytest.raises(ValueError, match="unknown kind"):
        info.dtypes(kind="floating")
    with pytest.raises(ValueError, match="CPU"):
        info.dtypes(device="gpu")


@pytest.mark.parametrize("name,args", [
    ("zeros", ((2,),)), ("ones", ((2,),)), ("empty", ((2,),)), ("full", ((2,), 1.0)), ("arange", (3,)),
    ("linspace", (0, 1, 3)), ("eye", (2,)), ("asarray", ([1.0],)),
    ("zeros_like", "x"), ("ones_like", "x"), ("empty_like", "x"), ("full_like", ("x", 2.0)),
])
def test_creation_accepts_the_cpu_device(name, args):
    x = nd.asarray([1.0, 2.0])
    args = (x,) if args == "x" else tuple(x if a == "x" else a for a in args)
    out = ours(name)(*args, device="cpu")
    assert isinstance(out, nd.Tensor) and out.device == "cpu"


def test_copy_semantics_of_asarray_and_astype():
    """copy=True always copies, copy=False never does (asarray raises where it would have to)."""
    for ns in (xs, OURS):
        x = ns.asarray([1.0, 2.0, 3.0])
        assert ns.astype(x, x.dtype, copy=False) is x, ns
        y = ns.astype(x, x.dtype)
        y[0] = 10.0
        assert float(x[0]) == 1.0, f"{ns}: astype(copy=True) shares memory with its input"
        z = ns.asarray(x, copy=True)
        z[1] = 20.0
        assert float(x[1]) == 2.0, ns
        with pytest.raises(ValueError):
            ns.asarray(x, dtype=ns.float32, copy=False)


def test_astype_and_to_device_accept_the_cpu_device():
    x = nd.asarray([1.0, 2.0])
    assert nd.astype(x, nd.float32, device=x.device).dtype == np.float32
    assert x.to_device("cpu") is x


# ------------------------------------------- behaviour beyond the reference


def test_unique_values_are_sorted_and_nans_distinct():
    x = nd.asarray([[2.0, np.nan], [-1.0, 2.0], [np.nan, -1.0]])
    res = ours("unique_all")(x)
    assert res.values.tolist()[:2] == [-1.0, 2.0] and np.isnan(res.values.tolist()[2:]).all()
    assert res.counts.tolist() == [2, 2, 1, 1] and res.inverse_indices.shape == (3, 2)
    # Each value is x.flat at its first index; inverse indices rebuild x.
    np.testing.assert_array_equal(res.values.data, x.data.reshape(-1)[res.indices.data])
    np.testing.assert_array_equal(res.values.data[res.inverse_indices.data], x.data)


def test_searchsorted_errors_teach():
    with pytest.raises(ValueError, match="1-D sorted"):
        ours("searchsorted")(nd.asarray([[1.0, 2.0]]), nd.asarray([1.0]))
    with pytest.raises(ValueError, match="'left' or 'right'"):
        ours("searchsorted")(nd.asarray([1.0, 2.0]), 1.5, side="middle")
    with pytest.raises(TypeError, match="argsort"):
        ours("searchsorted")(nd.asarray([1.0, 2.0]), 1.5, sorter=nd.asarray([0.0, 1.0]))


def test_searchsorted_of_a_scalar_is_0d():
    out = ours("searchsorted")(nd.asarray([1.0, 2.0, 3.0]), 2.5)
    assert isinstance(out, nd.Tensor) and out.shape == () and out.item() == 2


def test_isin_follows_numpy():
    x = nd.asarray([[1, 2], [3, 4]])
    assert ours("isin")(x, nd.asarray([2, 4, 9])).tolist() == [[False, True], [False, True]]
    assert ours("isin")(x, 3, invert=True).tolist() == [[True, True], [False, True]]


def test_broadcast_shapes():
    assert ours("broadcast_shapes")((2, 1, 3), (4, 1), ()) == (2, 4, 3)
    with pytest.raises(ValueError, match="do not broadcast"):
        ours("broadcast_shapes")((2, 3), (4,))


def test_copysign_takes_the_sign_bit_of_nans_and_zeros():
    x2 = np.array([-np.nan, np.nan, -0.0, 0.0, -np.inf])
    got = ours("copysign")(nd.asarray(np.full(5, 2.0)), nd.asarray(x2))
    want = [True, False, True, False, True]
    assert np.signbit(got.data).tolist() == np.signbit(np.copysign(2.0, x2)).tolist() == want
    nan_in = ours("copysign")(nd.asarray([np.nan, -np.nan]), -1.0)
    assert np.isnan(nan_in.data).all() and np.signbit(nan_in.data).all()


def test_copysign_rejects_complex_and_nextafter_refuses_gradients():
    with pytest.raises(TypeError, match="real operands"):
        ours("copysign")(nd.asarray([1j]), 1.0)
    x = nd.asarray([1.0, 2.0])
    x.requires_grad_()
    with pytest.raises(TypeError, match="no derivative"):
        ours("nextafter")(x, 3.0)
    with nd.no_grad():
        assert ours("nextafter")(x, 3.0).tolist() == np.nextafter([1.0, 2.0], 3.0).tolist()
    assert ours("nextafter")(x.detach(), 0.0).tolist() == np.nextafter([1.0, 2.0], 0.0).tolist()


# ---------------------------------------------------------------- gradients
#
# The standard's differentiable functions that are compositions (so not in
# the registry) or that this helper added: checked against finite differences
# in both modes.

X = np.array([[0.7, -1.3, 2.1], [-0.4, 1.9, -2.6]])
V = np.array([1.2, -0.3, 0.8])

GRADIENT_CASES = [
    ("copysign", lambda x, y: ours("copysign")(x, y), X, V),
    ("copysign scalar", lambda x: ours("copysign")(x, -1.0), X),
    ("broadcast_arrays", lambda x, y: ours("broadcast_arrays")(x, y), X, V),
    ("unique_values", lambda x: ours("unique_values")(x), X),
    ("unique_all.values", lambda x: ours("unique_all")(x).values, V),
    ("clip", lambda x: nd.clip(x, -1.0, 1.0), X),
    ("where", lambda x, y: nd.where(nd.asarray(X > 0), x, y), X, V),
    ("take", lambda x: nd.take(x, nd.asarray([2, 0, 2]), axis=1), X),
    ("take_along_axis", lambda x: nd.take_along_axis(x, nd.asarray([[2, 0], [1, 1]]), axis=1), X),
    ("tile", lambda x: nd.tile(x, (2, 1)), X),
    ("repeat", lambda x: nd.repeat(x, 2, axis=1), X),
    ("moveaxis", lambda x: nd.moveaxis(x, 0, -1), X),
    ("unstack", lambda x: nd.unstack(x, axis=1), X),
    ("meshgrid", lambda x, y: nd.meshgrid(x, y), V, V[:2]),
    ("tril", lambda x: nd.tril(x, k=1), X),
    ("triu", lambda x: nd.triu(x), X),
    ("sort descending", lambda x: nd.sort(x, axis=1, descending=True), X),
    ("cumulative_sum", lambda x: nd.cumulative_sum(x, axis=1, include_initial=True), X),
    ("cumulative_prod", lambda x: nd.cumulative_prod(x, axis=0), X),
    ("diff", lambda x: nd.diff(x, axis=1, n=2), X),
    ("std", lambda x: nd.std(x, axis=0, correction=1), X),
    ("vecdot", lambda x, y: nd.vecdot(x, y), X, V),
    ("hypot", lambda x, y: nd.hypot(x, y), X, V),
    ("logaddexp", lambda x, y: nd.logaddexp(x, y), X, V),
]


@pytest.mark.parametrize("case", GRADIENT_CASES, ids=[c[0] for c in GRADIENT_CASES])
def test_gradients(case):
    _, f, *inputs = case
    assert nd.gradcheck(f, *[nd.asarray(a) for a in inputs])


def test_copysign_gradient_is_the_sign_flip():
    x = nd.asarray([1.5, -2.0, 3.0])
    x.requires_grad_()
    ours("copysign")(x, nd.asarray([-1.0, -1.0, 1.0])).sum().backward()
    assert x.grad.tolist() == [-1.0, 1.0, 1.0]


def test_unique_values_gradient_reaches_first_occurrences():
    x = nd.asarray([2.0, 1.0, 2.0, 3.0])
    x.requires_grad_()
    (ours("unique_values")(x) * nd.asarray([10.0, 20.0, 30.0])).sum().backward()
    assert x.grad.tolist() == [20.0, 10.0, 0.0, 30.0]
