"""Cases for the indexing primitives: getitem, scatter_add and index_update.

gradcheck pushes identity bases of cotangents and tangents through in one
pass, so these cases also check that the rules keep leading batch axes in
front, including where NumPy moves advanced-index axes to the front.
"""

import numpy as np

import ndgrad as nd

from . import case, rand

MASK = np.array([[True, False, True], [False, False, True]])

CASES = {
    "getitem": [
        case(lambda x: x[1], rand(3, 2), note="int"),
        case(lambda x: x[::-2, 1:], rand(5, 3), note="negative step"),
        case(lambda x: x[None, ..., 0], rand(2, 3), note="None and Ellipsis"),
        case(lambda x: x[[0, 2, 0]], rand(3, 2), note="repeated rows"),
        case(lambda x: x[[0, 1], :, [1, 1]], rand(2, 3, 2), note="advanced indices split by a slice"),
        case(lambda x: x[:, [[0], [1]], [1, 0]], rand(2, 2, 2), note="advanced indices broadcast"),
        case(lambda x: x[MASK], rand(2, 3), note="boolean mask"),
        case(lambda x: x[1, None, [0, 0]], rand(2, 3), note="int with array, split by None"),
        case(lambda x: x[()], rand(), note="0-d"),
        case(lambda x: x[True], rand(2), note="0-d boolean"),
    ],
    "scatter_add": [
        case(lambda x, v: nd.index_add(x, [0, 1, 0], v), rand(3, 2), rand(3, 2), note="repeats add up"),
        case(lambda x, v: nd.index_add(x, (slice(None), [1, 1]), v), rand(2, 3), rand(2), note="broadcast value"),
        case(lambda x, v: nd.index_add(x, ([0, 1], slice(None), [2, 2]), v), rand(2, 3, 3), rand(3),
             note="split advanced"),
    ],
    "index_update": [
        case(lambda x, v: nd.index_update(x, (slice(None), 1), v), rand(2, 3), rand(2)),
        case(lambda x, v: nd.index_update(x, [2, 0], v), rand(3, 2), rand(1, 2), note="broadcast value"),
        case(lambda x, v: nd.index_update(x, MASK, v), rand(2, 3), rand(), note="mask, 0-d value"),
        case(lambda x, v: nd.index_update(x, ([0, 1], slice(None), [1, 0]), v), rand(2, 2, 2), rand(2, 2),
             note="split advanced"),
        case(lambda x, v: nd.index_update(x, (), v), rand(), rand(), note="0-d"),
    ],
}
