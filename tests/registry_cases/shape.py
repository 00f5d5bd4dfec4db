"""Cases for the shape primitives."""

import ndgrad as nd

from . import case, rand

CASES = {
    "reshape": [case(lambda x: nd.reshape(x, (3, -1)) * 1.0, rand(2, 3)), case(lambda x: x.reshape(1, 1), rand())],
    "broadcast_to": [case(lambda x: nd.broadcast_to(x, (2, 3, 4)), rand(3, 1)), case(lambda x: nd.broadcast_to(x, (2,)), rand())],
    "transpose": [case(lambda x: nd.transpose(x, (2, 0, 1)), rand(2, 3, 4)), case(lambda x: x.T, rand(1, 3))],
}
