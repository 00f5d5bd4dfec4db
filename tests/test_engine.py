"""The reverse-mode engine as a PyTorch user meets it, plus forward mode and gradcheck.

Expected values are worked out by hand (derivatives of simple functions) or
from finite differences via `ndgrad.gradcheck`.
"""

import math
import subprocess
import sys
import uuid
import warnings
import weakref

import numpy as np
import pytest

import ndgrad as nd
from ndgrad.core.forward import new_level, seed, unseed


def arr(t):
    return np.asarray(t)


# ------------------------------------------------------------- accumulation


def test_gradients_accumulate_across_backward_calls():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_allclose(arr(x.grad), [2.0, 4.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(arr(x.grad), [4.0, 8.0])
    (3 * x).sum().backward()
    np.testing.assert_allclose(arr(x.grad), [7.0, 11.0])


def test_tensor_used_twice_adds_both_paths():
    x = nd.tensor(3.0, requires_grad=True)
    y = x * x + nd.sin(x) * x  # 2x + sin x + x cos x
    y.backward()
    assert math.isclose(x.grad.item(), 6 + math.sin(3) + 3 * math.cos(3), rel_tol=1e-12)


def test_intermediate_used_twice_adds_both_paths():
    x = nd.tensor([0.5, -1.0], requires_grad=True)
    h = x.exp()
    (h * h + 2 * h).sum().backward()  # d/dx (e^{2x} + 2 e^x)
    expected = 2 * np.exp(2 * np.array([0.5, -1.0])) + 2 * np.exp([0.5, -1.0])
    np.testing.assert_allclose(arr(x.grad), expected, rtol=1e-12)


def test_grad_is_a_tensor_of_the_leaf_shape_and_dtype():
    x = nd.tensor([[1.0, 2.0, 3.0]], dtype=np.float32, requires_grad=True)
    (x * 2).sum().backward()
    assert isinstance(x.grad, nd.Tensor)
    assert x.grad.shape == (1, 3)
    assert x.grad.dtype == np.float32
    assert not x.grad.requires_grad


def test_setting_grad_to_none_resets_accumulation():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad = None
    (5 * x).sum().backward()
    np.testing.assert_allclose(arr(x.grad), [5.0, 5.0])


def test_zero_grad_resets_accumulation():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.zero_grad()
    assert x.grad is None or np.all(arr(x.grad) == 0)
    (5 * x).sum().backward()
    np.testing.assert_allclose(arr(x.grad), [5.0, 5.0])


def test_backward_on_a_leaf_itself_gives_one():
    x = nd.tensor(4.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


# -------------------------------------------------------------- detach, etc.


def test_detach_shares_values_and_cuts_the_graph():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad
    assert d.is_leaf
    np.testing.assert_array_equal(arr(d), [1.0, 2.0])
    # the detached path is a constant: d/dx (x * stop(x)) = stop(x)
    (x * d).sum().backward()
    np.testing.assert_allclose(arr(x.grad), [1.0, 2.0])


def test_results_of_operations_are_not_leaves():
    x = nd.tensor(1.0, requires_grad=True)
    y = x * 2
    assert x.is_leaf and not y.is_leaf
    assert y.requires_grad
    c = nd.tensor(1.0) * 2
    assert c.is_leaf and not c.requires_grad


def test_non_leaf_grad_is_not_kept_by_default():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    (y * y).sum().backward()
    assert y.grad is None
    np.testing.assert_allclose(arr(x.grad), [8.0, 16.0])


def test_retain_grad_keeps_the_gradient_of_a_non_leaf():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward()
    np.testing.assert_allclose(arr(y.grad), [4.0, 8.0])  # 2y
    np.testing.assert_allclose(arr(x.grad), [8.0, 16.0])


def test_retained_grad_accumulates_like_a_leaf():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    z = (y * 3).sum()
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_allclose(arr(y.grad), [6.0, 6.0])


# ---------------------------------------------------------------- grad mode


def test_no_grad_context_records_nothing():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    with nd.no_grad():
        assert not nd.is_grad_enabled()
        y = x * 2
    assert nd.is_grad_enabled()
    assert not y.requires_grad
    assert y.is_leaf


def test_enable_grad_inside_no_grad_records_again():
    x = nd.tensor(2.0, requires_grad=True)
    with nd.no_grad():
        with nd.enable_grad():
            y = x**2
        z = x**2
    assert y.requires_grad and not z.requires_grad
    y.backward()
    assert x.grad.item() == 4.0


def test_no_grad_and_enable_grad_as_decorators():
    x = nd.tensor(2.0, requires_grad=True)

    @nd.no_grad()
    def untracked(a):
        return a * 3

    @nd.enable_grad()
    def tracked(a):
        return a * 3

    assert not untracked(x).requires_grad
    with nd.no_grad():
        assert tracked(x).requires_grad
        assert not nd.is_grad_enabled()
    assert nd.is_grad_enabled()


def test_no_grad_is_restored_after_an_exception():
    with pytest.raises(KeyError):
        with nd.no_grad():
            raise KeyError("inside no_grad")
    assert nd.is_grad_enabled()


def test_set_grad_enabled_as_context_manager():
    x = nd.tensor(2.0, requires_grad=True)
    with nd.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert nd.is_grad_enabled()
    assert (x * 2).requires_grad


def test_set_grad_enabled_as_decorator_does_not_change_mode_at_definition():
    try:

        @nd.set_grad_enabled(False)
        def untracked(a):
            return a * 3

        assert nd.is_grad_enabled(), "decorating a function must not switch grad mode off"
        x = nd.tensor(2.0, requires_grad=True)
        assert not untracked(x).requires_grad
        assert nd.is_grad_enabled()
    finally:
        nd.set_grad_enabled(True)


# ------------------------------------------------------------------ backward


def test_non_scalar_backward_without_gradient_is_a_clear_error():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"scalar") as info:
        y.backward()
    assert "(2,)" in str(info.value)
    assert x.grad is None


def test_backward_with_gradient_argument():
    x = nd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    y.backward(gradient=nd.tensor([1.0, 0.5, -1.0]))
    np.testing.assert_allclose(arr(x.grad), [2.0, 2.0, -6.0])


def test_backward_gradient_may_be_a_numpy_array():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).backward(gradient=np.array([1.0, 2.0]))
    np.testing.assert_allclose(arr(x.grad), [3.0, 6.0])


@pytest.mark.parametrize(
    "out_shape,grad_shape",
    [((), (3,)), ((2,), (3,)), ((2,), (3, 2)), ((2,), ())],
)
def test_backward_with_gradient_of_wrong_shape_is_an_error(out_shape, grad_shape):
    x = nd.tensor(np.ones(out_shape), requires_grad=True)
    y = x * 2
    with pytest.raises((ValueError, RuntimeError), match="shape"):
        y.backward(gradient=np.ones(grad_shape))
    assert x.grad is None


def test_backward_of_output_without_graph_is_an_error():
    x = nd.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="requires_grad"):
        (x * 2).sum().backward()


# ------------------------------------------------------------ autograd.grad


def test_autograd_grad_returns_gradients_without_touching_grad():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    w = nd.tensor([3.0, -1.0], requires_grad=True)
    gx, gw = nd.autograd.grad((x * w).sum(), [x, w])
    np.testing.assert_allclose(arr(gx), [3.0, -1.0])
    np.testing.assert_allclose(arr(gw), [1.0, 2.0])
    assert x.grad is None and w.grad is None


def test_autograd_grad_single_input_gives_a_one_tuple():
    x = nd.tensor(3.0, requires_grad=True)
    result = nd.autograd.grad(x**2, x)
    assert isinstance(result, tuple) and len(result) == 1
    assert result[0].item() == 6.0


def test_autograd_grad_with_grad_outputs():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    (g,) = nd.autograd.grad(x**2, x, grad_outputs=nd.tensor([1.0, 10.0]))
    np.testing.assert_allclose(arr(g), [2.0, 40.0])


def test_autograd_grad_of_several_outputs_sums_them():
    x = nd.tensor(2.0, requires_grad=True)
    (g,) = nd.autograd.grad([x**2, 3 * x], x)
    assert g.item() == 7.0


def test_autograd_grad_wrt_a_non_leaf():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    (gh,) = nd.autograd.grad((h * h).sum(), h)
    np.testing.assert_allclose(arr(gh), [6.0, 12.0])
    assert x.grad is None


def test_autograd_grad_unused_input_is_an_error_unless_allowed():
    x = nd.tensor(1.0, requires_grad=True)
    unused = nd.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused"):
        nd.autograd.grad(x * 2, [x, unused])
    gx, gu = nd.autograd.grad(x * 2, [x, unused], allow_unused=True)
    assert gx.item() == 2.0
    assert gu is None


def test_autograd_grad_releases_the_graph_unless_retained():
    x = nd.tensor(2.0, requires_grad=True)
    y = x.exp()
    (g1,) = nd.autograd.grad(y, x, retain_graph=True)
    (g2,) = nd.autograd.grad(y, x)
    assert g1.item() == g2.item() == pytest.approx(math.exp(2))
    with pytest.raises(RuntimeError, match="retain_graph"):
        nd.autograd.grad(y, x)


def test_autograd_grad_create_graph_gives_differentiable_gradients():
    x = nd.tensor(1.5, requires_grad=True)
    (g,) = nd.autograd.grad(x**3, x, create_graph=True)
    assert g.requires_grad
    assert g.item() == pytest.approx(3 * 1.5**2)
    (gg,) = nd.autograd.grad(g, x)
    assert gg.item() == pytest.approx(6 * 1.5)
    assert x.grad is None


# ------------------------------------------------------------- broadcasting


def test_broadcasting_gradients_are_reduced_to_input_shapes():
    a = nd.tensor([[1.0], [2.0]], requires_grad=True)  # (2, 1)
    b = nd.tensor([1.0, 2.0, 3.0], requires_grad=True)  # (3,)
    s = nd.tensor(2.0, requires_grad=True)  # ()
    (a * b * s).sum().backward()
    assert a.grad.shape == (2, 1) and b.grad.shape == (3,) and s.grad.shape == ()
    np.testing.assert_allclose(arr(a.grad), [[12.0], [12.0]])  # s * sum(b)
    np.testing.assert_allclose(arr(b.grad), [6.0, 6.0, 6.0])  # s * sum(a)
    assert s.grad.item() == 18.0  # sum(a) * sum(b)


def test_broadcasting_size_one_middle_axis():
    a = nd.tensor(np.arange(6.0).reshape(2, 1, 3), requires_grad=True)
    b = nd.tensor(np.ones((4, 1)), requires_grad=True)
    (a + 2 * b).sum().backward()
    np.testing.assert_allclose(arr(a.grad), np.full((2, 1, 3), 4.0))
    np.testing.assert_allclose(arr(b.grad), np.full((4, 1), 12.0))


def test_broadcasting_with_numpy_array_operand():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    m = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    (m * x).sum().backward()
    np.testing.assert_allclose(arr(x.grad), [6.0, 6.0])


# ----------------------------------------------------------- deep and long


def test_chain_of_100000_operations_has_no_recursion_error():
    x = nd.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert x.grad.item() == pytest.approx(1.00001**100_000, rel=1e-9)


# ------------------------------------------------------------ released graph


def test_second_backward_through_released_graph_names_retain_graph():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    z = x.exp().sum()
    z.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        z.backward()


def test_retain_graph_allows_a_second_backward():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    z = x.exp().sum()
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_allclose(arr(x.grad), 2 * np.exp([1.0, 2.0]), rtol=1e-12)


# -------------------------------------------------------------- in place


def test_inplace_add_on_a_saved_output_is_caught_at_backward():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # exp's derivative needs its output
    y += 1
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    message = str(info.value)
    assert "exp" in message and "+=" in message


def test_inplace_mul_on_a_saved_input_is_caught_at_backward():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    z = y * x  # multiply's derivative for x needs y
    y *= 2
    with pytest.raises(RuntimeError) as info:
        z.sum().backward()
    message = str(info.value)
    assert "multiply" in message and "*=" in message
    y = x * 1
    z = y * y  # one node, square, whose derivative needs y too
    y *= 2
    with pytest.raises(RuntimeError, match=r"'square' saved argument 0 .* modified by \*="):
        z.sum().backward()


def test_inplace_setitem_on_a_saved_value_is_caught_at_backward():
    x = nd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.exp()
    y[0] = 5.0
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    message = str(info.value)
    assert "exp" in message and "setitem" in message


@pytest.mark.parametrize(
    "use, rule",
    [(lambda x, w: x * w, "multiply"), (lambda x, w: w / x, "divide"), (lambda x, w: nd.sin(x), "sin")],
)
def test_inplace_change_of_a_0d_leaf_after_use_is_caught(use, rule):
    # A 0-d leaf is computed on as a NumPy scalar; its array is still watched.
    x = nd.tensor(2.0, requires_grad=True)
    w = nd.tensor(3.0, requires_grad=True)
    y = use(x, w)
    with nd.no_grad():
        x += 1
    with pytest.raises(RuntimeError, match=f"'{rule}' saved .* modified by \\+="):
        y.backward()


def test_a_tensor_times_itself_is_one_square_node_with_multiplys_values():
    x0 = np.array([0.3, -1.7, 2.5e-3, 4.0e100])
    x = nd.tensor(x0, requires_grad=True)
    y = x * x
    assert y._node.prim.name == "square"
    np.testing.assert_array_equal(arr(y), x0 * x0)
    y.sum().backward()
    np.testing.assert_array_equal(arr(x.grad), 2 * x0)
    other = nd.tensor(x0, requires_grad=True)
    assert (x * other)._node.prim.name == "multiply"  # two tensors with equal values: still a product


def test_inplace_change_of_a_0d_leaf_through_a_detached_alias_is_caught():
    x = nd.tensor(2.0, requires_grad=True)
    y = x * x
    alias = x.detach()
    alias *= 3
    with pytest.raises(RuntimeError, match="modified"):
        y.backward()


def test_a_0d_float32_leaf_stays_float32():
    x = nd.tensor(np.float32(2.0), requires_grad=True)
    w = nd.tensor(np.float32(3.0), requires_grad=True)
    y = nd.tanh(x * w + 2.5) / w - x**2
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32
    t = np.tanh(np.float64(8.5))
    np.testing.assert_allclose(arr(x.grad), 1 - t * t - 4, rtol=1e-6)
    np.testing.assert_allclose(arr(w.grad), (1 - t * t) * 2 / 3 - t / 9, rtol=1e-6)


def test_inplace_on_a_value_no_rule_needs_is_fine():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2  # the derivative w.r.t. x needs only the constant 2
    y += 1
    y *= 3
    (y * 1).sum().backward()
    np.testing.assert_allclose(arr(y), [9.0, 15.0])
    np.testing.assert_allclose(arr(x.grad), [6.0, 6.0])


def test_a_large_intermediate_no_rule_reads_is_freed_when_the_caller_drops_it():
    # tanh's rule reads only its output, and matmul's rules only its operands,
    # so the product's values are not kept for backward (as in PyTorch).
    w = nd.tensor(np.arange(600.0).reshape(200, 3) / 600, requires_grad=True)
    x = nd.tensor(np.linspace(-1, 1, 300).reshape(3, 100), requires_grad=True)
    z = w @ x  # 20,000 values: large enough to let go of
    values = weakref.ref(z.data)
    h = nd.tanh(z)
    del z
    assert values() is None
    h.sum().backward()
    dz = 1 - np.tanh(arr(w) @ arr(x)) ** 2
    np.testing.assert_allclose(arr(w.grad), dz @ arr(x).T)
    np.testing.assert_allclose(arr(x.grad), arr(w).T @ dz)


def test_large_intermediates_an_add_does_not_read_are_freed():
    # a + b needs neither value for its gradient: as in PyTorch, it does not
    # keep them; the shapes it keeps still undo broadcasting.
    rng = np.random.default_rng(3)
    w = nd.tensor(rng.standard_normal((200, 100)), requires_grad=True)
    v = nd.tensor(rng.standard_normal((1, 100)), requires_grad=True)
    x = nd.tensor(rng.standard_normal((100, 100)))
    a, b = w @ x, v @ x  # (200, 100) and (1, 100): b broadcasts
    freed = weakref.ref(a.data), weakref.ref(b.data)
    c = nd.tanh(a + b)
    del a, b
    assert freed[0]() is None and freed[1]() is None
    c.sum().backward()
    dz = 1 - np.tanh(arr(w) @ arr(x) + arr(v) @ arr(x)) ** 2
    np.testing.assert_allclose(arr(w.grad), dz @ arr(x).T)
    np.testing.assert_allclose(arr(v.grad), dz.sum(axis=0, keepdims=True) @ arr(x).T)


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128", "longdouble"])
def test_a_stand_in_keeps_shape_and_dtype_but_no_memory(dtype):
    from ndgrad.core.graph import stand_in

    value = np.ones((300, 70), dtype=dtype)
    s = stand_in(value)
    assert s.shape == value.shape and s.dtype == value.dtype
    assert s.strides == (0, 0) and not s.flags.writeable
    assert not s.any()  # zeros, whatever rule might look at them
    with pytest.raises(ValueError):
        s[0, 0] = 1


def test_a_large_intermediate_plus_a_constant_is_freed_and_broadcasts_back():
    w = nd.tensor(np.linspace(-1, 1, 200).reshape(200, 1), requires_grad=True)
    z = w * np.ones((1, 100))  # (200, 100)
    freed = weakref.ref(z.data)
    y = z + np.arange(100.0)
    del z
    assert freed() is None
    (y * y).sum().backward()
    expected = (2 * (arr(w) + np.arange(100.0))).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(arr(w.grad), expected)


def test_second_order_through_a_sum_of_large_intermediates():
    x = nd.tensor(np.linspace(-1, 1, 1 << 14), requires_grad=True)
    y = nd.sin(x) + nd.cos(x)  # both arguments of add held as their nodes
    (g,) = nd.autograd.grad(y.sum(), [x], create_graph=True)
    (h,) = nd.autograd.grad(g.sum(), [x])
    np.testing.assert_allclose(arr(g), np.cos(arr(x)) - np.sin(arr(x)))
    np.testing.assert_allclose(arr(h), -np.sin(arr(x)) - np.cos(arr(x)))


def test_inplace_change_of_an_intermediate_its_consumer_let_go_of():
    x = nd.tensor([0.5, -1.0], requires_grad=True)
    z = x * 2
    h = nd.exp(z)  # holds z's node, not z
    z += 1  # z gets a new node; h's gradient still flows through the old one
    (h.sum() + z.sum()).backward()
    np.testing.assert_allclose(arr(x.grad), 2 * np.exp(2 * arr(x)) + 2)


def test_second_order_through_an_argument_held_as_its_node():
    x = nd.tensor(0.3, requires_grad=True)
    y = nd.tanh(x * 2)
    (g,) = nd.autograd.grad(y, [x], create_graph=True)
    (h,) = nd.autograd.grad(g, [x])
    t = np.tanh(0.6)
    np.testing.assert_allclose(float(g), 2 * (1 - t * t))
    np.testing.assert_allclose(float(h), -8 * t * (1 - t * t))


def test_intermediate_tensor_objects_die_with_the_callers_reference():
    # A deep graph keeps its nodes, not every intermediate tensor object.
    x = nd.tensor(1.5, requires_grad=True)
    y = x * 2.0
    alive = weakref.ref(y)
    z = y + 1.0
    del y
    assert alive() is None
    (z * z).backward()
    assert float(x.grad) == pytest.approx(2 * (2 * 1.5 + 1) * 2)


def test_reverse_through_a_jvp_seeded_on_an_intermediate():
    x = nd.tensor([0.2, -0.4], requires_grad=True)
    v = np.array([1.0, 2.0])
    u = x * 3.0
    _, tangent = nd.func.jvp(lambda u: nd.exp(u), (u,), (v,))
    tangent.sum().backward()
    np.testing.assert_allclose(arr(x.grad), 3 * np.exp(3 * arr(x)) * v)


def test_reverse_through_forward_over_reverse_at_an_intermediate():
    x = nd.tensor([0.2, -0.4], requires_grad=True)
    v = np.array([1.0, 2.0])
    u = x * 3.0
    _, hvp = nd.func.jvp(nd.func.grad(lambda u: (nd.sin(u) ** 2).sum()), (u,), (v,))
    np.testing.assert_allclose(arr(hvp), 2 * np.cos(6 * arr(x)) * v)
    hvp.sum().backward()
    np.testing.assert_allclose(arr(x.grad), -12 * np.sin(6 * arr(x)) * v)


def test_inplace_ops_are_differentiated():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    w = nd.tensor([3.0, 4.0], requires_grad=True)
    y = x + 0
    y *= w
    y += x
    y.sum().backward()  # y = x * w + x
    np.testing.assert_allclose(arr(x.grad), [4.0, 5.0])
    np.testing.assert_allclose(arr(w.grad), [1.0, 2.0])


def test_each_use_of_a_tensor_updated_in_place_many_times_gets_its_own_gradient():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    uses = []
    for k in range(5):
        uses.append(y * (k + 1))  # y is x * (k + 1) here
        y += x
    total = sum(u.sum() for u in uses) + y.sum()
    total.backward()
    np.testing.assert_allclose(arr(x.grad), [1 + 4 + 9 + 16 + 25 + 6] * 2)


def test_inplace_on_leaf_requiring_grad_is_an_error():
    w = nd.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w += 1
    np.testing.assert_array_equal(arr(w), [1.0, 2.0])


def test_sgd_step_inside_no_grad_updates_the_leaf():
    w = nd.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(2):
        w.grad = None
        (w * w).sum().backward()
        with nd.no_grad():
            w -= 0.1 * w.grad
    np.testing.assert_allclose(arr(w), [0.64, 1.28])
    assert w.is_leaf and w.requires_grad
    np.testing.assert_allclose(arr(w.grad), [1.6, 3.2])


def test_leaf_updated_under_no_grad_after_forward_is_caught():
    w = nd.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    with nd.no_grad():
        w -= 1.0
    with pytest.raises(RuntimeError, match="modified"):
        loss.backward()


def test_inplace_through_a_detached_alias_is_not_silently_wrong():
    x = nd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (x * x).sum()  # needs x = [1, 2, 3]
    alias = x.detach()
    alias += 1
    try:
        loss.backward()
    except RuntimeError:
        return  # caught, as PyTorch does (detach shares the version counter)
    np.testing.assert_allclose(arr(x.grad), [2.0, 4.0, 6.0], err_msg="gradient used the modified values")


def test_inplace_through_a_reshaped_view_is_not_silently_wrong():
    x = nd.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x * 1.0
    loss = (y * y).sum()  # needs y = [1, 2, 3, 4]
    view = y.reshape(2, 2)
    view += 1
    try:
        loss.backward()
    except RuntimeError:
        return  # caught, as PyTorch does for views
    np.testing.assert_allclose(arr(x.grad), [2.0, 4.0, 6.0, 8.0], err_msg="gradient used the modified values")


def test_inplace_through_a_view_of_a_leaf_requiring_grad_is_an_error():
    x = nd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    view = x[0:2]
    with pytest.raises(RuntimeError, match="leaf"):
        view += 1  # PyTorch: "a view of a leaf Variable that requires grad is used in an in-place operation"
    np.testing.assert_array_equal(arr(x), [1.0, 2.0, 3.0])


def test_inplace_through_a_reshaped_view_of_a_leaf_requiring_grad_is_an_error():
    x = nd.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    flat = x.reshape(4)
    with pytest.raises(RuntimeError, match="leaf"):
        flat *= 2
    np.testing.assert_array_equal(arr(x), [[1.0, 2.0], [3.0, 4.0]])


def test_inplace_through_a_view_of_a_non_leaf_is_differentiated_or_refused():
    x = nd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    tail = y[1:]
    tail *= 2  # y is now [x0, 2 x1, 2 x2], as in NumPy and PyTorch
    np.testing.assert_array_equal(arr(y), [1.0, 4.0, 6.0])
    try:
        y.sum().backward()
    except RuntimeError:
        return  # refusing is acceptable; a gradient of the old y is not
    np.testing.assert_array_equal(arr(x.grad), [1.0, 2.0, 2.0])


# ------------------------------------------------------------- no aliasing


def test_leaf_grads_do_not_alias_after_sum_backward():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    y = nd.tensor([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward()
    x.grad += 1
    np.testing.assert_array_equal(arr(y.grad), [1.0, 1.0])
    np.testing.assert_array_equal(arr(x.grad), [2.0, 2.0])


def test_leaf_grads_do_not_alias_the_gradient_argument():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    y = nd.tensor([3.0, 4.0], requires_grad=True)
    upstream = np.ones(2)
    (x + y).backward(gradient=upstream)
    x.grad += 1
    np.testing.assert_array_equal(arr(y.grad), [1.0, 1.0])
    np.testing.assert_array_equal(upstream, [1.0, 1.0])


def test_leaf_grads_do_not_alias_with_create_graph():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    y = nd.tensor([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward(create_graph=True)
    assert x.grad is not y.grad
    with nd.no_grad():
        x.grad += 1
    np.testing.assert_array_equal(arr(y.grad), [1.0, 1.0])


def test_grad_of_a_leaf_root_does_not_alias_the_gradient_argument():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    upstream = np.array([1.0, 1.0])
    x.backward(gradient=upstream)
    x.grad += 1
    np.testing.assert_array_equal(upstream, [1.0, 1.0])


# ------------------------------------------------------------ higher order


def test_second_derivative_of_x_cubed_at_2_is_12():
    x = nd.tensor(2.0, requires_grad=True)
    (dy,) = nd.autograd.grad(x**3, x, create_graph=True)
    (d2y,) = nd.autograd.grad(dy, x)
    assert dy.item() == 12.0  # 3 x^2
    assert d2y.item() == 12.0  # 6 x


def test_third_derivative_of_sin_at_0_is_minus_1():
    x = nd.tensor(0.0, requires_grad=True)
    (d1,) = nd.autograd.grad(nd.sin(x), x, create_graph=True)
    (d2,) = nd.autograd.grad(d1, x, create_graph=True)
    (d3,) = nd.autograd.grad(d2, x)
    assert d1.item() == 1.0
    assert d2.item() == 0.0
    assert d3.item() == -1.0


def test_second_derivative_with_backward_create_graph():
    x = nd.tensor(2.0, requires_grad=True)
    (x**3).backward(create_graph=True)
    first = x.grad
    assert first.requires_grad and first.item() == 12.0
    x.grad = None
    first.backward()
    assert x.grad.item() == 12.0


def test_mixed_second_partial_derivatives():
    x = nd.tensor(1.5, requires_grad=True)
    y = nd.tensor(-0.5, requires_grad=True)
    f = x**2 * y**3 + nd.exp(x * y)
    gx, gy = nd.autograd.grad(f, [x, y], create_graph=True)
    (gxy,) = nd.autograd.grad(gx, y)
    xv, yv = 1.5, -0.5
    expected = 6 * xv * yv**2 + math.exp(xv * yv) * (1 + xv * yv)
    assert gxy.item() == pytest.approx(expected, rel=1e-12)


def test_hessian_vector_product_of_a_vector_function():
    x = nd.tensor([0.3, -0.7, 1.1], requires_grad=True)
    v = nd.tensor([1.0, 2.0, -1.0])
    (g,) = nd.autograd.grad((nd.sin(x) * x).sum(), x, create_graph=True)
    (hv,) = nd.autograd.grad((g * v).sum(), x)
    xs = np.array([0.3, -0.7, 1.1])
    diag = 2 * np.cos(xs) - xs * np.sin(xs)
    np.testing.assert_allclose(arr(hv), diag * np.array([1.0, 2.0, -1.0]), rtol=1e-12)


# ------------------------------------------------------------------ hooks


def test_leaf_hook_is_called_with_the_gradient():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(arr(g).copy()))
    (x * 3).sum().backward()
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], [3.0, 3.0])
    np.testing.assert_array_equal(arr(x.grad), [3.0, 3.0])


def test_hook_can_replace_the_gradient_and_can_be_removed():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    remove = x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    np.testing.assert_array_equal(arr(x.grad), [30.0, 30.0])
    remove()
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(arr(x.grad), [3.0, 3.0])


def test_non_leaf_hook_sees_the_total_gradient_once_and_changes_upstream():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    seen = []

    def hook(g):
        seen.append(arr(g).copy())
        return g + 1

    y.register_hook(hook)
    (y * y + y).sum().backward()  # dL/dy = 2y + 1 = [5, 9]
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], [5.0, 9.0])
    np.testing.assert_array_equal(arr(x.grad), [12.0, 20.0])  # 2 * (dL/dy + 1)


def test_hooks_run_in_autograd_grad_too():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 10)
    (g,) = nd.autograd.grad((x * x).sum(), x)
    np.testing.assert_array_equal(arr(g), [20.0, 40.0])


# ------------------------------------------------------ user primitives


@pytest.fixture
def unique_name():
    """A primitive name nobody else uses, unregistered after the test so the
    registry test (every primitive needs gradcheck cases) never sees it."""
    names = []

    def make(stem):
        name = f"test_engine_{stem}_{uuid.uuid4().hex[:8]}"
        names.append(name)
        return name

    yield make
    for name in names:
        nd.REGISTRY.pop(name, None)


def _cube(name):
    return nd.primitive(
        name,
        lambda x: x * x * x,
        vjp=lambda g, ans, x: g * 3 * x**2,
        jvp=lambda t, ans, x: t * 3 * x**2,
    )


def test_hessian_through_a_user_primitive_whose_jvp_reads_what_its_node_lets_go_of(unique_name):
    # The JVP reads the output, the VJP does not, so nodes do not keep it: a
    # Hessian cannot run forward mode over the recorded graph, and pushes
    # tangents through the function instead.
    cube = nd.primitive(
        unique_name("cube"),
        lambda x: x * x * x,
        vjp=lambda g, ans, x: g * 3 * x**2,
        jvp=lambda t, ans, x: t * 3 * ans / x,
        fresh=True,
    )
    assert not cube.sweepable
    x = np.array([1.0, -2.0, 0.5])
    for h in (nd.func.hessian(lambda v: cube(v).sum())(x), nd.hessian(lambda v: cube(v).sum(), x)):
        np.testing.assert_allclose(arr(h), np.diag(6 * x))


def test_user_primitive_in_backward(unique_name):
    cube = _cube(unique_name("cube"))
    x = nd.tensor([1.0, -2.0, 0.5], requires_grad=True)
    y = cube(x)
    np.testing.assert_allclose(arr(y), [1.0, -8.0, 0.125])
    (y * 2).sum().backward()
    np.testing.assert_allclose(arr(x.grad), [6.0, 24.0, 1.5])


def test_user_primitive_higher_order(unique_name):
    cube = _cube(unique_name("cube"))
    x = nd.tensor(2.0, requires_grad=True)
    (d1,) = nd.autograd.grad(cube(x), x, create_graph=True)
    (d2,) = nd.autograd.grad(d1, x, create_graph=True)
    (d3,) = nd.autograd.grad(d2, x)
    assert (d1.item(), d2.item(), d3.item()) == (12.0, 12.0, 6.0)


def test_user_primitive_passes_gradcheck(unique_name):
    cube = _cube(unique_name("cube"))
    assert nd.gradcheck(lambda x: cube(nd.sin(x)), np.array([[0.3, -1.2], [2.0, 0.1]]))


def test_user_primitive_forward_mode(unique_name):
    cube = _cube(unique_name("cube"))
    level = new_level()
    x = seed(nd.tensor([1.0, 2.0]), np.array([1.0, -1.0]), level)
    _, tangent = unseed(cube(x), level)
    np.testing.assert_allclose(arr(tangent), [3.0, -12.0])


def test_user_broadcasting_primitive_has_gradients_reduced(unique_name):
    # f(x, y) = x * y + x, written as one primitive
    fused = nd.primitive(
        unique_name("mul_add"),
        lambda x, y: x * y + x,
        vjp=(lambda g, ans, x, y: g * (y + 1), lambda g, ans, x, y: g * x),
        jvp=(lambda t, ans, x, y: t * (y + 1), lambda t, ans, x, y: t * x),
        broadcasting=True,
    )
    x = nd.tensor([[1.0], [2.0]], requires_grad=True)
    y = nd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    fused(x, y).sum().backward()
    np.testing.assert_allclose(arr(x.grad), [[9.0], [9.0]])
    np.testing.assert_allclose(arr(y.grad), [3.0, 3.0, 3.0])
    assert nd.gradcheck(fused, np.array([[1.0], [2.0]]), np.array([1.0, 2.0, 3.0]))


def test_registry_rejects_a_duplicate_name(unique_name):
    name = unique_name("dup")
    _cube(name)
    with pytest.raises(ValueError, match=name):
        _cube(name)


def test_user_primitive_is_listed_in_the_registry(unique_name):
    name = unique_name("listed")
    cube = _cube(name)
    assert nd.REGISTRY[name] is cube


# --------------------------------------------------------------- gradcheck


def test_nd_gradcheck_stays_the_function_after_importing_its_module():
    # A fresh interpreter: importing the submodule first (as test_registry does)
    # must not turn `ndgrad.gradcheck` into a module.
    script = (
        "import numpy as np\n"
        "from ndgrad.gradcheck import GradcheckError\n"
        "import ndgrad as nd\n"
        "assert callable(nd.gradcheck), type(nd.gradcheck)\n"
        "assert nd.gradcheck(nd.exp, np.array([0.5, -0.5]))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_gradcheck_passes_on_correct_rules():
    x = np.array([0.2, -0.4, 1.3])
    w = np.array([[1.0, 2.0, -1.0]])
    assert nd.gradcheck(lambda x, w: nd.tanh(x * w) / (1 + x * x), x, w)


def test_gradcheck_reports_input_index_and_both_values(unique_name):
    wrong = nd.primitive(
        unique_name("wrong_cube"),
        lambda x: x * x * x,
        vjp=lambda g, ans, x: g * 3 * x,  # should be 3 x**2
        jvp=lambda t, ans, x: t * 3 * x**2,
    )
    a = np.array([1.0, 2.0])
    b = np.array([[1.0, 0.5]])
    with pytest.raises(AssertionError) as info:
        nd.gradcheck(lambda a, b: a + wrong(b), a, b)
    message = str(info.value)
    assert "reverse" in message
    assert "input 1" in message
    # b[0, 1] = 0.5: the wrong rule gives 1.5, the truth is 0.75
    assert "(0, 1)" in message
    assert "1.5" in message and "0.75" in message.replace("0.7499999", "0.75")


def test_gradcheck_reports_a_wrong_forward_rule(unique_name):
    wrong = nd.primitive(
        unique_name("wrong_jvp"),
        lambda x: x * x,
        vjp=lambda g, ans, x: g * 2 * x,
        jvp=lambda t, ans, x: t * x,  # should be 2 x
    )
    with pytest.raises(AssertionError, match="forward"):
        nd.gradcheck(wrong, np.array([1.0, 3.0]))


def test_gradcheck_can_return_false_instead_of_raising(unique_name):
    wrong = nd.primitive(
        unique_name("wrong_sq"),
        lambda x: x * x,
        vjp=lambda g, ans, x: g * x,
        jvp=lambda t, ans, x: t * x,
    )
    assert nd.gradcheck(wrong, np.array([1.0, 3.0]), raise_exception=False) is False


def test_gradcheck_warns_on_float32_inputs():
    with pytest.warns(UserWarning, match="float32"):
        assert nd.gradcheck(nd.sin, np.array([0.5, 1.0], dtype=np.float32))


def test_gradcheck_is_silent_on_float64_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert nd.gradcheck(nd.sin, np.array([0.5, 1.0]))


# ------------------------------------------------------------ forward mode


def test_jvp_equals_jacobian_times_vector_from_reverse_mode():
    def f(x):
        return nd.sin(x) * x.sum() + x**2

    x0 = np.array([0.4, -1.1, 2.0])
    v = np.array([1.0, -2.0, 0.5])

    level = new_level()
    out = f(seed(nd.tensor(x0), v, level))
    primal, tangent = unseed(out, level)

    rows = []
    for i in range(3):
        x = nd.tensor(x0, requires_grad=True)
        (g,) = nd.autograd.grad((f(x) * np.eye(3)[i]).sum(), x)  # row i of the Jacobian
        rows.append(arr(g))
    jacobian = np.stack(rows)

    np.testing.assert_allclose(arr(primal), np.sin(x0) * x0.sum() + x0**2, rtol=1e-12)
    np.testing.assert_allclose(arr(tangent), jacobian @ v, rtol=1e-12)


def test_forward_mode_levels_do_not_mix():
    # d/dx d/dy (x * y) = 1, by nesting two forward-mode levels
    outer, inner = new_level(), new_level()
    x = seed(nd.tensor(3.0), np.array(1.0), outer)
    y = seed(nd.tensor(5.0), np.array(1.0), inner)
    _, dy = unseed(x * y, inner)  # = x, still carrying x's tangent
    _, dxdy = unseed(dy, outer)
    assert float(arr(dy)) == 3.0
    assert float(arr(dxdy)) == 1.0


def test_forward_mode_does_not_record_a_graph():
    level = new_level()
    x = seed(nd.tensor([1.0, 2.0]), np.array([1.0, 1.0]), level)
    y = nd.exp(x)
    assert not y.requires_grad
    _, t = unseed(y, level)
    np.testing.assert_allclose(arr(t), np.exp([1.0, 2.0]))


def test_forward_over_reverse_gives_the_second_derivative():
    # the tangent of d/dx x**3 is d2/dx2 x**3 = 6x
    level = new_level()
    x = nd.tensor(2.0, requires_grad=True)
    dual = seed(x, np.array(1.0), level)
    (g,) = nd.autograd.grad(dual**3, dual, create_graph=True)
    primal, tangent = unseed(g, level)
    assert float(arr(primal)) == 12.0
    assert float(arr(tangent)) == 12.0


def test_reverse_over_forward_gives_the_second_derivative():
    level = new_level()
    x = nd.tensor(2.0, requires_grad=True)
    dual = seed(x, np.array(1.0), level)
    _, tangent = unseed(nd.sin(dual) * dual, level)  # d/dx (x sin x) = sin x + x cos x
    (g,) = nd.autograd.grad(tangent, x)
    assert g.item() == pytest.approx(2 * math.cos(2.0) - 2.0 * math.sin(2.0), rel=1e-12)


# ------------------------------------------------- batched cotangents/tangents


def _composition(x, w):
    h = nd.tanh(x @ w + 0.5)  # (3, 2)
    return (h[::-1] * x[:, :1]).sum(axis=0) + nd.exp(w).mean(axis=0)  # (2,)


def test_backward_accepts_a_batch_of_cotangents():
    from ndgrad.core import engine

    x = nd.tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
    w = nd.tensor(np.linspace(0.5, -0.5, 8).reshape(4, 2), requires_grad=True)
    out = _composition(x, w)
    basis = np.eye(2)
    gx, gw = engine.backward([out], [basis], retain_graph=True, inputs=[x, w])
    assert arr(gx).shape == (2, 3, 4) and arr(gw).shape == (2, 4, 2)
    for row in range(2):
        rx, rw = nd.autograd.grad(out, [x, w], grad_outputs=basis[row], retain_graph=True)
        np.testing.assert_allclose(arr(gx)[row], arr(rx), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(arr(gw)[row], arr(rw), rtol=1e-12, atol=1e-15)


def test_forward_mode_accepts_a_batch_of_tangents():
    x0 = np.linspace(-1, 1, 12).reshape(3, 4)
    w = nd.tensor(np.linspace(0.5, -0.5, 8).reshape(4, 2))
    directions = np.stack([np.sin(np.arange(12.0) + k).reshape(3, 4) for k in range(3)])

    level = new_level()
    _, batched = unseed(_composition(seed(nd.tensor(x0), directions, level), w), level)
    assert arr(batched).shape == (3, 2)
    for k in range(3):
        level = new_level()
        _, single = unseed(_composition(seed(nd.tensor(x0), directions[k], level), w), level)
        np.testing.assert_allclose(arr(batched)[k], arr(single), rtol=1e-12, atol=1e-15)


def test_graph_values_are_released_after_backward():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    z = y.sum()
    z.backward()
    assert y.grad_fn.released and z.grad_fn.released
    y2 = x.exp()
    z2 = y2.sum()
    z2.backward(retain_graph=True)
    assert not y2.grad_fn.released and not z2.grad_fn.released


def test_dropping_a_deep_graph_without_backward_is_safe():
    x = nd.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    assert y.item() == 100_001.0
    del y  # freeing 100,000 nested nodes must not overflow the C stack


def test_a_hook_may_return_a_numpy_array():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.register_hook(lambda g: np.asarray(g) * 2)
    y.sum().backward()
    np.testing.assert_array_equal(arr(x.grad), [6.0, 6.0])


def test_version_tables_forget_freed_arrays():
    from ndgrad.core import versions

    before = len(versions._epochs)
    for _ in range(50):
        t = nd.tensor(np.ones(3))
        t += 1
    del t
    assert len(versions._epochs) <= before + 1
