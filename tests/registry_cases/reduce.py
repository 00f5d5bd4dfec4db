"""Cases for the reduction primitives."""

import ndgrad as nd

from . import case, rand

CASES = {
    "sum": [
        case(lambda x: nd.sum(x), rand(2, 3)),
        case(lambda x: nd.sum(x, axis=-1, keepdims=True), rand(2, 3)),
        case(lambda x: nd.sum(x, axis=(0, 2)), rand(2, 1, 3)),
        case(lambda x: nd.sum(x), rand()),
    ],
}
