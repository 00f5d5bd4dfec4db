"""Cases for the losses: nll_loss, on its own and inside cross_entropy."""

import numpy as np

import ndgrad as nd

from . import case, rand

LABELS = np.array([2, 0, 1])


def probabilities(*shape: int) -> np.ndarray:
    p = rand(*shape, low=0.1, high=1.0)
    return p / p.sum(axis=-1, keepdims=True)


CASES = {
    "nll_loss": [
        case(lambda x: nd.nll_loss(x, LABELS), rand(3, 4), note="mean"),
        case(lambda x: nd.nll_loss(x, LABELS[:2], axis=0, reduction="none"), rand(3, 2), note="classes on axis 0"),
        case(lambda x: nd.nll_loss(x, np.array(1), reduction="sum"), rand(3), note="one sample"),
        # cross_entropy is log_softmax followed by nll_loss
        case(lambda x: nd.cross_entropy(x, LABELS), rand(3, 4), note="class indices, mean"),
        case(lambda x, p: nd.cross_entropy(x, p, reduction="none"), rand(3, 4), probabilities(3, 4),
             note="probabilities, both differentiable"),
        case(lambda x: nd.cross_entropy(x, LABELS[:2], axis=0, reduction="sum"), rand(3, 2), note="classes on axis 0"),
        case(lambda x: nd.cross_entropy(x, np.array(1)), rand(3), note="one sample"),
        case(lambda x: nd.cross_entropy(x, np.zeros((2, 1), int), axis=1), rand(2, 1, 1), note="one class"),
    ],
}
