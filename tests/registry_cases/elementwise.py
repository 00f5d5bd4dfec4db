"""Cases for the elementwise primitives."""

import ndgrad as nd

from . import case, rand

pos = dict(low=0.2, high=2.0)
unit = dict(low=-0.8, high=0.8)

# name -> (function, domain of the inputs)
UNARY = {
    "negative": (nd.negative, {}),
    "absolute": (nd.absolute, {}),
    "exp": (nd.exp, {}),
    "expm1": (nd.expm1, {}),
    "exp2": (nd.exp2, {}),
    "log": (nd.log, pos),
    "log2": (nd.log2, pos),
    "log10": (nd.log10, pos),
    "log1p": (nd.log1p, pos),
    "sqrt": (nd.sqrt, pos),
    "square": (nd.square, {}),
    "reciprocal": (nd.reciprocal, pos),
    "sin": (nd.sin, {}),
    "cos": (nd.cos, {}),
    "tan": (nd.tan, unit),
    "arcsin": (nd.arcsin, unit),
    "arccos": (nd.arccos, unit),
    "arctan": (nd.arctan, {}),
    "sinh": (nd.sinh, {}),
    "cosh": (nd.cosh, {}),
    "tanh": (nd.tanh, {}),
    "arcsinh": (nd.arcsinh, {}),
    "arccosh": (nd.arccosh, dict(low=1.2, high=3.0)),
    "arctanh": (nd.arctanh, unit),
    "sigmoid": (nd.sigmoid, {}),
    "relu": (nd.relu, {}),
    "sign": (nd.sign, {}),
    "floor": (nd.floor, {}),
    "ceil": (nd.ceil, {}),
    "trunc": (nd.trunc, {}),
    "round": (nd.round, {}),
    "identity": (lambda x: nd.REGISTRY["identity"](x), {}),
    "astype": (lambda x: nd.astype(nd.astype(x, "float64") * 2, x.dtype), {}),
}

BINARY = {
    "add": (nd.add, {}, {}),
    "subtract": (nd.subtract, {}, {}),
    "multiply": (nd.multiply, {}, {}),
    "divide": (nd.divide, {}, pos),
    "power": (nd.power, pos, {}),
    "maximum": (nd.maximum, {}, {}),
    "minimum": (nd.minimum, {}, {}),
    "floor_divide": (nd.floor_divide, pos, pos),
    "remainder": (nd.remainder, pos, pos),
    "fmod": (nd.fmod, pos, pos),
    "arctan2": (nd.arctan2, {}, pos),
    "hypot": (nd.hypot, {}, {}),
    "logaddexp": (nd.logaddexp, {}, {}),
    # g * d(y) for an activation's output y (what tanh's and sigmoid's rules call)
    "tanh_backward": (lambda g, y: nd.REGISTRY["tanh_backward"](g, y), {}, unit),
    "sigmoid_backward": (lambda g, y: nd.REGISTRY["sigmoid_backward"](g, y), {}, dict(low=0.1, high=0.9)),
}

CASES = {}
for name, (fn, dom) in UNARY.items():
    CASES[name] = [case(fn, rand(3, 2, **dom)), case(fn, rand(**dom)), case(fn, rand(1, 4, **dom))]
for name, (fn, dx, dy) in BINARY.items():
    CASES[name] = [
        case(fn, rand(2, 3, **dx), rand(2, 3, **dy)),
        case(fn, rand(3, **dx), rand(2, 1, **dy), note="broadcast"),
        case(fn, rand(**dx), rand(1, 3, **dy), note="0-d with size-1"),
    ]
CASES["where"] = [
    case(lambda x, y: nd.where(x > 0, x, y), rand(2, 3), rand(3)),
    case(lambda x, y: nd.where(y < 0, x * 2, y), rand(2, 1), rand(1, 3)),
]
