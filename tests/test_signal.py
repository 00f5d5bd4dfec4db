"""convolve/correlate (differentiable) and interp (values) against NumPy."""

import numpy as np
import pytest

import ndgrad as nd

RNG = np.random.default_rng(3)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("n,m", [(7, 3), (3, 7), (5, 5), (4, 1)])
def test_convolve_and_correlate_match_numpy(mode, n, m):
    a, v = RNG.normal(size=n), RNG.normal(size=m)
    np.testing.assert_allclose(nd.convolve(nd.tensor(a), nd.tensor(v), mode), np.convolve(a, v, mode))
    np.testing.assert_allclose(nd.correlate(nd.tensor(a), nd.tensor(v), mode), np.correlate(a, v, mode))


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_convolve_is_differentiable_in_both_arguments(mode):
    assert nd.gradcheck(lambda a, v: nd.convolve(a, v, mode), RNG.normal(size=6), RNG.normal(size=3))


def test_convolve_gradient_is_the_correlation_with_the_kernel():
    a = nd.tensor(RNG.normal(size=6), requires_grad=True)
    v = RNG.normal(size=3)
    g = RNG.normal(size=8)
    nd.convolve(a, v).backward(g)
    np.testing.assert_allclose(a.grad, np.correlate(g, v, "valid"))


def test_convolve_refuses_non_vectors():
    with pytest.raises(ValueError, match="1-D"):
        nd.convolve(nd.ones((2, 2)), nd.ones(2))


def test_interp_matches_numpy():
    xp, fp = [0.0, 1.0, 3.0], [0.0, 10.0, 30.0]
    x = nd.tensor([0.5, 2.0, 5.0])
    np.testing.assert_array_equal(nd.interp(x, xp, fp), np.interp([0.5, 2.0, 5.0], xp, fp))
