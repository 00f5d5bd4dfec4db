"""Cases for the shape primitives (reshape, broadcast_to, transpose, copy, trace) and
the joining ones (concatenate, stack, tile, repeat, pad).

Compositions that lower to them (squeeze, moveaxis, the gathering pads...) are
gradchecked in tests/test_shape_ops.py.
"""

import ndgrad as nd

from . import case, rand

CASES = {
    "reshape": [
        case(lambda x: nd.reshape(x, (3, -1)) * 1.0, rand(2, 3)),
        case(lambda x: x.reshape(1, 1), rand()),
        case(lambda x: nd.squeeze(nd.expand_dims(x, (0, 2)), 0), rand(3, 2), note="expand_dims + squeeze"),
    ],
    "broadcast_to": [
        case(lambda x: nd.broadcast_to(x, (2, 3, 4)), rand(3, 1)),
        case(lambda x: nd.broadcast_to(x, (2,)), rand()),
    ],
    "transpose": [
        case(lambda x: nd.transpose(x, (2, 0, 1)), rand(2, 3, 4)),
        case(lambda x: x.T, rand(1, 3)),
        case(lambda x: nd.moveaxis(x, 0, -1), rand(2, 1, 3), note="moveaxis"),
    ],
    "concatenate": [
        case(lambda x, y: nd.concatenate([x, y], axis=1), rand(2, 3), rand(2, 1)),
        case(lambda x, y: nd.concatenate([x, y, x * y], axis=0), rand(1, 2), rand(1, 2), note="three inputs"),
        case(lambda x, y: nd.concatenate([x, y], axis=None), rand(2, 2), rand(3), note="axis=None"),
        case(lambda x, y: nd.concatenate([x, y, x], axis=-1), rand(2, 1, 2), rand(2, 1, 1), note="last axis"),
        case(lambda x: nd.concatenate([x] * 40), rand(2), note="more inputs than one primitive call takes"),
    ],
    "stack": [
        case(lambda x: nd.stack([x, 2 * x], axis=1), rand(3)),
        case(lambda x, y: nd.stack([x, y]), rand(), rand(), note="0-d inputs"),
        case(lambda x, y: nd.stack([x, y, x * y], axis=-1), rand(2, 1), rand(2, 1), note="three inputs"),
        case(lambda x: nd.stack([x, x], axis=0), rand(1, 3)),
        case(lambda x: nd.stack([x] * 40, axis=1), rand(2), note="more inputs than one primitive call takes"),
    ],
    "copy": [case(nd.copy, rand(2, 3)), case(nd.copy, rand())],
    "trace": [
        case(nd.trace, rand(3, 4)),
        case(lambda x: nd.trace(x, 1, 2, 0), rand(3, 2, 4), note="axes swapped, an offset"),
        case(lambda x: nd.trace(x, -1), rand(1, 3), note="size 1, a negative offset"),
    ],
    "tile": [
        case(lambda x: nd.tile(x, (2, 1, 3)), rand(2, 1), note="more reps than axes"),
        case(lambda x: nd.tile(x, 2), rand(2, 3)),
        case(lambda x: nd.tile(x, (3,)), rand(), note="0-d"),
        case(lambda x: nd.tile(x, (1, 1)), rand(1, 2), note="no repetition"),
    ],
    "repeat": [
        case(lambda x: nd.repeat(x, 2, axis=0), rand(2, 3)),
        case(lambda x: nd.repeat(x, 3), rand(2, 2), note="flattened"),
        case(lambda x: nd.repeat(x, 2, axis=-1), rand(3, 1)),
    ],
    "pad": [
        case(lambda x: nd.pad(x, 1), rand(2, 3)),
        case(lambda x: nd.pad(x, ((1, 0), (0, 2)), constant_values=((1, 2), (3, 4))), rand(2, 2), note="fills"),
        case(lambda x: nd.pad(x, (0, 1)), rand(1, 3, 1)),
        case(lambda x: nd.pad(x, 0), rand(2), note="no padding"),
        case(lambda x: nd.pad(x, 1), rand(), note="0-d"),
    ],
}
