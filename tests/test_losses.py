"""cross_entropy against PyTorch's, and its errors."""

import numpy as np
import pytest
import torch

import ndgrad as nd
from ndgrad.core.errors import DtypeError, ShapeError

RNG = np.random.default_rng(11)


def torch_loss_and_grads(logits, target, reduction, probs=False):
    x = torch.tensor(logits, requires_grad=True)
    t = torch.tensor(target, requires_grad=probs)
    loss = torch.nn.functional.cross_entropy(x, t, reduction=reduction)
    loss.sum().backward()
    return loss.detach().numpy(), x.grad.numpy(), (t.grad.numpy() if probs else None)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_class_indices_match_torch(reduction):
    logits, labels = RNG.standard_normal((6, 5)), RNG.integers(0, 5, 6)
    x = nd.tensor(logits, requires_grad=True)
    loss = nd.cross_entropy(x, labels, reduction=reduction)
    loss.sum().backward()
    value, grad, _ = torch_loss_and_grads(logits, labels, reduction)
    np.testing.assert_allclose(np.asarray(loss), value, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(x.grad), grad, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_gradient_and_jacobian_match_torch(reduction):
    # backward() writes the gradient straight in; a Jacobian's batch of
    # cotangents takes the general rule: both must agree with torch.
    logp, labels = RNG.standard_normal((2, 3, 4)), RNG.integers(0, 4, (2, 3))
    nll = torch.nn.functional.nll_loss
    x = nd.tensor(logp, requires_grad=True)
    nd.nll_loss(x, labels, reduction=reduction).sum().backward()
    t = torch.tensor(logp, requires_grad=True)
    nll(t.permute(0, 2, 1), torch.tensor(labels), reduction=reduction).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), t.grad.numpy(), rtol=1e-15)
    jac = nd.jacobian(lambda v: nd.nll_loss(v, labels, reduction=reduction), logp)
    torch_jac = torch.autograd.functional.jacobian(
        lambda v: nll(v.permute(0, 2, 1), torch.tensor(labels), reduction=reduction), torch.tensor(logp)
    )
    np.testing.assert_allclose(np.asarray(jac), torch_jac.numpy(), rtol=1e-15)


def test_probability_targets_match_torch_with_gradients_of_both():
    logits = RNG.standard_normal((4, 3))
    probs = RNG.random((4, 3))
    probs /= probs.sum(axis=1, keepdims=True)
    x, p = nd.tensor(logits, requires_grad=True), nd.tensor(probs, requires_grad=True)
    loss = nd.cross_entropy(x, p)
    loss.backward()
    value, grad_x, grad_p = torch_loss_and_grads(logits, probs, "mean", probs=True)
    np.testing.assert_allclose(float(loss), value, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(x.grad), grad_x, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(np.asarray(p.grad), grad_p, rtol=1e-10, atol=1e-15)


def test_class_axis_1_of_a_3d_input_matches_torch():
    logits, labels = RNG.standard_normal((3, 4, 2)), RNG.integers(0, 4, (3, 2))
    x = nd.tensor(logits, requires_grad=True)
    loss = nd.cross_entropy(x, labels, axis=1)
    loss.backward()
    value, grad, _ = torch_loss_and_grads(logits, labels, "mean")
    np.testing.assert_allclose(float(loss), value, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(x.grad), grad, rtol=1e-10, atol=1e-15)


def test_equals_the_unfused_formula_and_its_hessian():
    logits, labels = RNG.standard_normal((3, 4)), np.array([1, 3, 0])
    onehot = np.eye(4)[labels]
    fused = lambda x: nd.cross_entropy(x, labels)
    unfused = lambda x: -(nd.log_softmax(x) * onehot).sum() / 3
    np.testing.assert_allclose(float(fused(nd.tensor(logits))), float(unfused(nd.tensor(logits))), rtol=1e-13)
    np.testing.assert_allclose(np.asarray(nd.func.hessian(fused)(logits)), np.asarray(nd.func.hessian(unfused)(logits)),
                               rtol=1e-10, atol=1e-14)


def test_float32_stays_float32_and_large_logits_do_not_overflow():
    x = nd.tensor(np.array([[1000.0, 0.0], [0.0, -1000.0]], dtype=np.float32), requires_grad=True)
    loss = nd.cross_entropy(x, [1, 0])
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32
    assert float(loss) == pytest.approx(500.0)
    np.testing.assert_allclose(np.asarray(x.grad), [[0.5, -0.5], [0.0, 0.0]], atol=1e-7)


def test_errors_teach():
    logits = nd.tensor(RNG.standard_normal((3, 4)))
    with pytest.raises(ShapeError, match=r"without the class axis.*\(3,\)"):
        nd.cross_entropy(logits, [0, 1])
    with pytest.raises(ValueError, match="class index 4 is out of range for 4 classes"):
        nd.cross_entropy(logits, [0, 4, 1])
    for dtype in (np.int8, np.int32, np.int64, ">i4"):  # a negative index, whatever the integer type
        with pytest.raises(ValueError, match="class index -1 is out of range"):
            nd.cross_entropy(logits, np.array([0, -1, 1], dtype))
    big_endian = nd.cross_entropy(logits, np.array([0, 3, 1], ">i4")).item()
    assert big_endian == nd.cross_entropy(logits, np.array([0, 3, 1])).item()
    with pytest.raises(ValueError, match="class index 4 is out of range"):
        nd.nll_loss(logits, np.array([4, 0, 1], np.uint8))
    with pytest.raises(ShapeError, match="probability targets must have the logits' shape"):
        nd.cross_entropy(logits, np.ones((3, 2)) / 2)
    with pytest.raises(ValueError, match="reduction must be one of"):
        nd.cross_entropy(logits, [0, 1, 2], reduction="avg")
    with pytest.raises(DtypeError, match="floating point"):
        nd.cross_entropy(nd.tensor([[1, 2]]), [0])
