"""Cases for the product primitives: matmul, matvec and einsum."""

import ndgrad as nd

from . import case, rand

CASES = {
    "matmul": [
        case(nd.matmul, rand(2, 3), rand(3, 4)),
        case(nd.matmul, rand(2, 1, 2, 3), rand(3, 3, 2), note="broadcast batch"),
        case(nd.matmul, rand(3), rand(2, 3, 1), note="1-D @ batched"),
        case(nd.matmul, rand(1, 3, 3), rand(3), note="stacked matrices @ 1-D"),
        case(nd.matmul, rand(3), rand(3), note="1-D @ 1-D is 0-d"),
    ],
    "matvec": [
        case(nd.matmul, rand(2, 3), rand(3)),
        case(nd.dot, rand(1, 3), rand(3), note="one row"),
        case(nd.matmul, rand(3, 1), rand(1), note="size-1 vector"),
    ],
    "vecvec": [
        case(nd.matmul, rand(3), rand(3)),
        case(nd.dot, rand(1), rand(1), note="size-1 vectors"),
        case(lambda a, b: nd.inner(a, b * a), rand(4), rand(4), note="inner"),
    ],
    "einsum": [
        case(lambda a, b: nd.einsum("ij,jk->ik", a, b), rand(2, 3), rand(3, 2)),
        case(lambda a: nd.einsum("ii->i", a), rand(3, 3)),
        case(lambda a: nd.einsum("iij->j", a), rand(2, 2, 3)),
        case(lambda a, b: nd.einsum("...ij,...jk", a, b), rand(2, 1, 2, 3), rand(3, 3, 2), note="broadcast '...'"),
        case(lambda a, b: nd.einsum("ij,ij->ij", a, b), rand(3, 1), rand(1, 2), note="size-1 broadcast"),
        case(lambda a, b, c: nd.einsum("ij,jk,k->i", a, b, c), rand(2, 3), rand(3, 2), rand(2)),
        case(lambda a, b: nd.einsum(",i->i", a, b), rand(), rand(3), note="0-d operand"),
        case(lambda a: nd.einsum("ij->", a), rand(2, 3)),
    ],
}
