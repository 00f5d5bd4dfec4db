"""ndgrad.func: grad, value_and_grad, vjp, jvp, jacrev, jacfwd, hessian, hvp.

Values are checked against closed forms; nesting to any depth, in both
orders and through closures; inputs of every kind; the errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import ndgrad as nd
from ndgrad.core.errors import DtypeError, ShapeError
from ndgrad.transforms import ArgnumsError

F = nd.func
RNG = np.random.default_rng(3)


def rand(*shape):
    return RNG.uniform(-1.0, 1.0, shape)


def value(t):
    return np.asarray(t.data)


# ------------------------------------------------------------------ the seed


def test_seed_derivative_of_3x2_at_2_is_12():
    assert F.grad(lambda x: 3 * x**2)(2.0).item() == 12.0
    assert nd.grad(lambda x: 3 * x**2)(2).item() == 12.0  # a Python int is a number, taken as float64


def test_seed_derivative_of_2x3_plus_sin_at_pi():
    d = F.grad(lambda x: 2 * x**3 + nd.sin(x))(math.pi)
    assert d.item() == pytest.approx(6 * math.pi**2 - 1, rel=1e-15)
    assert d.item() == pytest.approx(58.2176264, abs=1e-7)


def test_seed_quadratic_gradient_is_8_at_3():
    assert F.grad(lambda x: x**2 + 2 * x + 1)(3.0).item() == 8.0


# ----------------------------------------------------------------- grad


def test_results_are_tensors_for_every_kind_of_argument():
    f = lambda x: (x**2).sum()
    for arg in (1.5, [1.0, 2.0], np.array([1.0, 2.0]), nd.tensor([1.0, 2.0]), (np.float64(1.5))):
        g = F.grad(f)(arg)
        assert isinstance(g, nd.Tensor)
        np.testing.assert_allclose(value(g), 2 * np.asarray(arg, dtype=float))
    assert F.grad(f)([1, 2]).dtype == np.float64  # a list of ints is numbers too
    assert F.grad(f)([[1.0], [2.0]]).shape == (2, 1)  # a nested list of numbers is one array


def test_float32_stays_float32():
    g = F.grad(lambda x: (x**3).sum())(np.ones(2, dtype=np.float32))
    assert g.dtype == np.float32
    h = F.hessian(lambda x: (x**3).sum())(np.ones(2, dtype=np.float32))
    assert h.dtype == np.float32


def test_argnums_int_tuple_and_negative():
    f = lambda x, y, z: x * y**2 + z
    assert F.grad(f)(2.0, 3.0, 1.0).item() == 9.0
    assert F.grad(f, argnums=1)(2.0, 3.0, 1.0).item() == 12.0
    assert F.grad(f, argnums=-1)(2.0, 3.0, 1.0).item() == 1.0
    gx, gz = F.grad(f, argnums=(0, 2))(2.0, 3.0, 1.0)
    assert (gx.item(), gz.item()) == (9.0, 1.0)
    (gy,) = F.grad(f, argnums=(1,))(2.0, 3.0, 1.0)
    assert gy.item() == 12.0


def test_non_differentiated_arguments_pass_through_untouched():
    def f(x, n, name):
        assert isinstance(n, int) and name == "power"
        return x**n

    assert F.grad(f)(2.0, 3, "power").item() == 12.0


def test_nested_containers_of_parameters():
    params = {"w": np.array([1.0, 2.0]), "b": (np.array(0.5), [nd.tensor(3.0)])}

    def loss(p, x):
        return ((p["w"] * x).sum() + p["b"][0] * p["b"][1][0]) ** 2

    x = np.array([0.5, 1.0])
    g = F.grad(loss)(params, x)
    inner = 1 * 0.5 + 2 * 1.0 + 0.5 * 3.0
    np.testing.assert_allclose(value(g["w"]), 2 * inner * x)
    np.testing.assert_allclose(value(g["b"][0]), 2 * inner * 3.0)
    assert isinstance(g["b"], tuple) and isinstance(g["b"][1], list)
    np.testing.assert_allclose(value(g["b"][1][0]), 2 * inner * 0.5)


def test_has_aux_and_value_and_grad():
    f = lambda x: ((x**2).sum(), {"double": x * 2})
    g, aux = F.grad(f, has_aux=True)(np.array([1.0, 2.0]))
    np.testing.assert_allclose(value(g), [2.0, 4.0])
    np.testing.assert_allclose(value(aux["double"]), [2.0, 4.0])
    assert not aux["double"].requires_grad
    v, g = F.value_and_grad(lambda x: (x**3).sum())(np.array([1.0, 2.0]))
    assert v.item() == 9.0
    np.testing.assert_allclose(value(g), [3.0, 12.0])
    (v, aux), g = F.value_and_grad(f, has_aux=True)(np.array([3.0]))
    assert (v.item(), value(aux["double"]).tolist(), value(g).tolist()) == (9.0, [6.0], [6.0])


def test_gradient_of_unused_input_is_zero():
    gx, gy = F.grad(lambda x, y: (x * 2).sum(), argnums=(0, 1))(np.ones(2), np.ones(3))
    np.testing.assert_array_equal(value(gy), np.zeros(3))
    assert F.grad(lambda x: nd.tensor(4.0))(1.0).item() == 0.0


def test_size_one_output_is_a_scalar():
    assert F.grad(lambda x: x.reshape(1, 1) * 3)(np.array(2.0)).item() == 3.0


def test_grad_works_inside_no_grad_and_leaves_mode_alone():
    with nd.no_grad():
        assert F.grad(lambda x: x**3)(2.0).item() == 12.0
        assert not nd.is_grad_enabled()
    assert nd.is_grad_enabled()


def test_tracked_input_gives_a_differentiable_gradient():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    g = F.grad(lambda v: (v**3).sum())(x)
    assert g.requires_grad
    g.sum().backward()
    np.testing.assert_allclose(value(x.grad), 6 * value(x))


def test_inputs_and_their_grads_are_untouched():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    F.grad(lambda v: (v**2).sum())(x)
    assert x.grad is None and x.is_leaf


def test_gradcheck_of_a_gradient():
    f = lambda x: (nd.sin(x) * nd.exp(x[::-1])).sum()
    assert nd.gradcheck(F.grad(f), rand(3))


@pytest.mark.parametrize("transform", [F.jacrev, F.jacfwd])
def test_one_leaf_nests_keep_their_structure(transform):
    """A dict or list holding one array, or one output in a tuple, comes back
    in the same nest; a bare array in and out gives a bare Jacobian."""
    x = rand(2)
    want = np.diag(2 * x)
    by_key = transform(lambda d: d["a"] ** 2)({"a": x})
    assert isinstance(by_key, dict) and list(by_key) == ["a"]
    np.testing.assert_allclose(value(by_key["a"]), want)
    (in_list,) = transform(lambda v: v[0] ** 2)([x])
    np.testing.assert_allclose(value(in_list), want)
    (out_tuple,) = transform(lambda v: (v**2,))(x)
    np.testing.assert_allclose(value(out_tuple), want)
    np.testing.assert_allclose(value(transform(lambda v: v**2)(x)), want)


# -------------------------------------------------------------- vjp and jvp


def test_vjp_matches_jacobian_rows_and_can_be_called_again():
    a = rand(3, 4)
    f = lambda x, y: nd.tanh(a @ x) * y
    x, y = rand(4), rand(3)
    out, vjp_fn = F.vjp(f, x, y)
    np.testing.assert_allclose(value(out), np.tanh(a @ x) * y)
    jx, jy = F.jacrev(f, argnums=(0, 1))(x, y)
    for _ in range(2):
        ct = rand(3)
        gx, gy = vjp_fn(ct)
        np.testing.assert_allclose(value(gx), ct @ value(jx))
        np.testing.assert_allclose(value(gy), ct @ value(jy))


def test_vjp_with_batched_cotangents_and_tuple_outputs():
    f = lambda x: (x * 2, (x**2).sum())
    x = rand(3)
    (a, s), vjp_fn = F.vjp(f, x)
    (g,) = vjp_fn((np.eye(3), np.ones(3)))
    np.testing.assert_allclose(value(g), 2 * np.eye(3) + 2 * x)
    with pytest.raises(ShapeError, match="cotangent 0 has shape"):
        vjp_fn((np.ones(4), 1.0))
    with pytest.raises(ShapeError, match="one cotangent per output"):
        vjp_fn(np.ones(3))


def test_vjp_has_aux():
    out, vjp_fn, aux = F.vjp(lambda x: (x * 3, "note"), np.ones(2), has_aux=True)
    assert aux == "note"
    np.testing.assert_allclose(value(vjp_fn(np.ones(2))[0]), [3.0, 3.0])


def test_jvp_values_and_batched_tangents():
    f = lambda x, y: nd.sin(x) * y
    x, y = rand(3), rand(3)
    out, t = F.jvp(f, (x, y), (np.ones(3), np.zeros(3)))
    np.testing.assert_allclose(value(out), np.sin(x) * y)
    np.testing.assert_allclose(value(t), np.cos(x) * y)
    _, cols = F.jvp(f, (x, y), (np.eye(3), np.zeros((3, 3))))
    np.testing.assert_allclose(value(cols), np.diag(np.cos(x) * y))


def test_jvp_of_output_not_depending_on_input_is_zero():
    out, t = F.jvp(lambda x: (x * 2, nd.tensor(1.0)), (rand(2),), (np.ones(2),))
    assert value(t[1]).tolist() == 0.0


def test_jvp_errors_name_the_problem():
    with pytest.raises(TypeError, match="tuples"):
        F.jvp(nd.sin, 1.0, 1.0)
    with pytest.raises(ShapeError, match="2 primals but 1 tangents"):
        F.jvp(lambda x, y: x * y, (1.0, 2.0), (1.0,))
    with pytest.raises(ShapeError, match=r"shape \(3,\).*\(2,\)"):
        F.jvp(nd.sin, (np.ones(2),), (np.ones(3),))


# ------------------------------------------------------------ higher order


def test_grad_to_any_depth_against_closed_forms():
    f = lambda x: x**5
    d = f
    expected = [5 * 2.0**4, 20 * 2.0**3, 60 * 2.0**2, 120 * 2.0, 120.0, 0.0]
    for k in range(6):
        d = F.grad(d)
        assert d(2.0).item() == pytest.approx(expected[k])


def test_derivatives_of_sin_cycle():
    x = 0.7
    d = nd.sin
    for k in range(1, 6):
        d = F.grad(d)
        assert d(x).item() == pytest.approx(math.sin(x + k * math.pi / 2), abs=1e-14)


def test_all_orders_of_mode_mixing_agree():
    f = lambda x: nd.exp(2 * x) * x
    closed = lambda x: 4 * math.exp(2 * x) * x + 4 * math.exp(2 * x)  # f''
    x = 0.3
    cases = {
        "rev-rev": F.grad(F.grad(f)),
        "fwd-rev": lambda x: F.jvp(F.grad(f), (x,), (1.0,))[1],
        "rev-fwd": F.grad(lambda x: F.jvp(f, (x,), (1.0,))[1]),
        "fwd-fwd": lambda x: F.jvp(lambda y: F.jvp(f, (y,), (1.0,))[1], (x,), (1.0,))[1],
        "jacfwd-jacrev": F.jacfwd(F.jacrev(f)),
        "jacrev-jacfwd": F.jacrev(F.jacfwd(f)),
        "hessian": F.hessian(f),
    }
    for name, second in cases.items():
        assert second(x).item() == pytest.approx(closed(x), rel=1e-13), name


ACTIVATIONS = {
    # f, and its first three derivatives in terms of y = f(x)
    "tanh": (nd.tanh, lambda y: 1 - y**2, lambda y: -2 * y * (1 - y**2), lambda y: -2 * (1 - y**2) * (1 - 3 * y**2)),
    "sigmoid": (
        nd.sigmoid,
        lambda y: y * (1 - y),
        lambda y: y * (1 - y) * (1 - 2 * y),
        lambda y: y * (1 - y) * (1 - 2 * y) ** 2 - 2 * y**2 * (1 - y) ** 2,
    ),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_derivatives_to_third_order(name):
    """tanh's and sigmoid's rules apply their derivative as one primitive
    (tanh_backward, sigmoid_backward), whose own rules carry the higher orders."""
    f, d1, d2, d3 = ACTIVATIONS[name]
    x = np.array([-1.7, -0.3, 0.0, 0.4, 2.2])
    y = np.asarray(f(nd.tensor(x)).data)
    first = F.grad(lambda v: f(v).sum())
    second = F.grad(lambda v: first(v).sum())
    third = F.grad(lambda v: second(v).sum())
    for k, (got, want) in enumerate(((first, d1), (second, d2), (third, d3)), start=1):
        np.testing.assert_allclose(value(got(x)), want(y), rtol=1e-12, atol=1e-15, err_msg=f"order {k}")
    by_modes = [F.jacfwd(F.jacrev(lambda v: f(v).sum()))(x), F.hessian(lambda v: f(v).sum())(x),
                nd.hessian(lambda v: f(v).sum(), x)]
    for h in by_modes:
        np.testing.assert_allclose(value(h), np.diag(d2(y)), rtol=1e-12, atol=1e-15)


def test_third_order_tensor():
    f = lambda x: (x[0] ** 2 * x[1] ** 3).sum()
    x = np.array([1.5, -0.5])
    t = F.jacfwd(F.jacrev(F.jacrev(f)))(x)
    assert t.shape == (2, 2, 2)
    a, b = x
    expected = np.zeros((2, 2, 2))
    expected[0, 0, 1] = expected[0, 1, 0] = expected[1, 0, 0] = 6 * b**2
    expected[0, 1, 1] = expected[1, 0, 1] = expected[1, 1, 0] = 12 * a * b
    expected[1, 1, 1] = 6 * a**2
    np.testing.assert_allclose(value(t), expected)


def test_closures_over_outer_variables():
    # d/dx [d/dy x y^2 at y=3] = d/dx 6x = 6
    assert F.grad(lambda x: F.grad(lambda y: x * y * y)(3.0))(2.0).item() == 6.0
    assert F.jvp(lambda x: F.grad(lambda y: x * y * y)(3.0), (2.0,), (1.0,))[1].item() == 6.0
    assert F.grad(lambda w: F.jacfwd(lambda y: w * y)(np.ones(2)).sum())(2.0).item() == 2.0
    assert F.grad(lambda w: F.jacrev(lambda y: w * y**2)(np.ones(2)).sum())(2.0).item() == 4.0


def test_perturbations_of_nested_jvps_do_not_mix():
    # d/dx [x * d/dy (x + y)] = d/dx x = 1 (a confused implementation gives 2).
    inner = lambda x: F.jvp(lambda y: x + y, (1.0,), (1.0,))[1]
    assert F.jvp(lambda x: x * inner(x), (3.0,), (1.0,))[1].item() == 1.0
    assert F.grad(lambda x: x * F.grad(lambda y: x + y)(1.0))(3.0).item() == 1.0


# ----------------------------------------------------------------- Hessians


def hessian_test_function(x):
    return (nd.tanh(x) ** 2).sum() + x[0] * x[1] ** 2


def hessian_closed_form(x):
    t = np.tanh(x)
    d2 = 2 * (1 - t**2) * (1 - 3 * t**2)  # (tanh^2)''
    h = np.diag(d2)
    h[0, 1] += 2 * x[1]
    h[1, 0] += 2 * x[1]
    h[1, 1] += 2 * x[0]
    return h


def test_hessian_equals_jacfwd_jacrev_and_jacrev_jacrev_and_closed_form():
    x = rand(4)
    h = value(F.hessian(hessian_test_function)(x))
    np.testing.assert_allclose(h, hessian_closed_form(x), rtol=1e-12)
    np.testing.assert_allclose(value(F.jacfwd(F.jacrev(hessian_test_function))(x)), h, rtol=1e-13)
    np.testing.assert_allclose(value(F.jacrev(F.jacrev(hessian_test_function))(x)), h, rtol=1e-13)
    np.testing.assert_allclose(value(F.jacfwd(F.jacfwd(hessian_test_function))(x)), h, rtol=1e-13)
    np.testing.assert_allclose(value(nd.hessian(hessian_test_function, x)), h, rtol=1e-13)


def test_hessian_blocks_for_several_arguments():
    f = lambda x, y: (x**2 * y).sum() + (y**3).sum()
    x, y = rand(2), rand(2)
    (hxx, hxy), (hyx, hyy) = F.hessian(f, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(value(hxx), np.diag(2 * y))
    np.testing.assert_allclose(value(hxy), np.diag(2 * x))
    np.testing.assert_allclose(value(hyx), np.diag(2 * x))
    np.testing.assert_allclose(value(hyy), np.diag(6 * y))


def test_hessian_of_matrix_input_has_doubled_shape():
    a = rand(2, 3)
    h = F.hessian(lambda m: (m**3).sum())(a)
    assert h.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(value(h).reshape(6, 6), np.diag(6 * a.ravel()))


def _counting(f):
    calls = []

    def counted(*args):
        calls.append(1)
        return f(*args)

    return counted, calls


HESSIANS = {"func": lambda f, x: F.hessian(f)(x), "functional": lambda f, x: nd.hessian(f, x)}


@pytest.mark.parametrize("kind", HESSIANS)
def test_hessian_runs_the_function_once(kind):
    # The forward pass runs over the graph that f and its gradient recorded
    # (a tape); f does not run again.
    x = rand(4)
    f, calls = _counting(hessian_test_function)
    np.testing.assert_allclose(value(HESSIANS[kind](f, x)), hessian_closed_form(x), rtol=1e-12)
    assert len(calls) == 1


def _updates_in_place(x):
    y = x * 2
    y += 1
    return (y**3).sum()


def _constant_under_no_grad(x):
    with nd.no_grad():
        c = x * x
    return (x * c).sum()


def _uses_a_first_order_gradient(x):
    (g,) = nd.autograd.grad((x**2).sum(), x)  # 2 x, as a value without a graph
    return (x * g).sum()


@pytest.mark.parametrize(
    "f,closed_form",
    [
        (_updates_in_place, lambda x: np.diag(24 * (2 * x + 1))),
        (_constant_under_no_grad, lambda x: np.diag(2 * x)),
        (_uses_a_first_order_gradient, lambda x: 2 * np.eye(x.size)),
    ],
    ids=["in-place", "no_grad", "first-order backward"],
)
def test_hessian_where_the_graph_misses_part_of_f_pushes_tangents_through_f(f, closed_form):
    # No graph records an in-place update's old values, nor values computed
    # under no_grad (whose tangents forward mode still carries, as torch.func
    # does): f runs again with the tangents riding along.
    x = rand(3)
    for hessian in HESSIANS.values():
        counted, calls = _counting(f)
        np.testing.assert_allclose(value(hessian(counted, x)), closed_form(x), rtol=1e-12)
        assert len(calls) == 2


def test_func_hessian_of_a_vector_function_is_one_hessian_per_output():
    # jacfwd(jacrev(f)) for any output; f with several outputs runs twice
    # (the short path for one number runs it first).
    x = rand(3)
    f, calls = _counting(lambda v: nd.stack([(v**3).sum(), (v[0] * v[1]) * v[2]]))
    h = value(F.hessian(f)(x))
    assert h.shape == (2, 3, 3)
    np.testing.assert_allclose(h[0], np.diag(6 * x), rtol=1e-12)
    a, b, c = x
    np.testing.assert_allclose(h[1], [[0, c, b], [c, 0, a], [b, a, 0]], rtol=1e-12)
    assert len(calls) == 2


def test_func_hessian_inside_an_outer_transform():
    # d/dx trace(H(x)) for f = sum(x**4): H = diag(12 x**2), so the gradient is 24 x.
    x = rand(3)
    f, calls = _counting(lambda v: (v**4).sum())
    g = F.grad(lambda v: nd.trace(F.hessian(f)(v)))(x)
    np.testing.assert_allclose(value(g), 24 * x, rtol=1e-12)
    assert len(calls) == 1


def test_a_leaf_that_requires_grad_passed_twice_gets_both_partials():
    w = nd.tensor(3.0, requires_grad=True)
    ga, gb = F.grad(lambda a, b: a * b**2, argnums=(0, 1))(w, w)
    assert (ga.item(), gb.item()) == (9.0, 18.0)


def test_a_leafs_hooks_run_for_its_own_gradient_only():
    # Inside a transform the leaf stands for itself, but the transform's own
    # backward must not call the hooks registered on it.
    w = nd.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    w.register_hook(lambda g: seen.append(value(g).copy()))
    g = F.grad(lambda a: (a**3).sum())(w)
    np.testing.assert_allclose(value(g), [3.0, 12.0])
    assert seen == []
    g.sum().backward()  # d/dw sum(3 w**2) = 6 w reaches w and its hook
    np.testing.assert_allclose(value(w.grad), [6.0, 12.0])
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], [6.0, 12.0])


def test_hvp_without_forming_the_hessian():
    x, v = rand(4), rand(4)
    hv = F.hvp(hessian_test_function, (x,), (v,))
    np.testing.assert_allclose(value(hv), hessian_closed_form(x) @ v, rtol=1e-12)
    f2 = lambda x, y: (x * y**2).sum()
    hx, hy = F.hvp(f2, (x, v), (np.ones(4), np.zeros(4)))
    np.testing.assert_allclose(value(hx), np.zeros(4))
    np.testing.assert_allclose(value(hy), 2 * v)


def test_jacobian_with_has_aux_and_output_nest():
    f = lambda x: ({"a": x * 2, "b": x.sum()}, x[0])
    jac, aux = F.jacrev(f, has_aux=True)(rand(3))
    np.testing.assert_allclose(value(jac["a"]), 2 * np.eye(3))
    np.testing.assert_allclose(value(jac["b"]), np.ones(3))
    jac_f, aux_f = F.jacfwd(f, has_aux=True)(np.array([5.0, 1.0, 1.0]))
    np.testing.assert_allclose(value(jac_f["a"]), 2 * np.eye(3))
    assert aux_f.item() == 5.0


def test_top_level_names_are_the_func_transforms():
    for name in ("grad", "value_and_grad", "vjp", "jvp", "jacrev", "jacfwd", "hvp"):
        assert getattr(nd, name) is getattr(F, name)
    assert nd.hessian is not F.hessian  # the value-returning torch-style function
    assert nd.autograd.grad is not nd.grad


def test_transformed_functions_have_names():
    def loss(x):
        return x

    assert F.grad(loss).__name__ == "grad(loss)"
    assert F.jacfwd(F.jacrev(loss)).__name__ == "jacfwd(jacrev(loss))"


# -------------------------------------------------------------------- errors


def test_error_non_scalar_output_to_grad():
    with pytest.raises(ShapeError, match=r"scalar.*shape \(3,\).*sum\(\).*jacrev") as info:
        F.grad(lambda x: x * 2)(np.ones(3))
    assert isinstance(info.value, ValueError)
    with pytest.raises(ShapeError, match="returned 2 values.*has_aux"):
        F.grad(lambda x: (x.sum(), x.sum()))(np.ones(3))


def test_error_argnums_out_of_range():
    with pytest.raises(ArgnumsError, match=r"argnums=2 is out of range.*2 positional arguments.*0\.\.1") as info:
        F.grad(lambda x, y: x * y, argnums=2)(1.0, 2.0)
    assert isinstance(info.value, ValueError)
    with pytest.raises(ArgnumsError, match="out of range"):
        F.jacrev(lambda x: x, argnums=(0, -2))(np.ones(2))
    with pytest.raises(ArgnumsError, match="same argument twice"):
        F.grad(lambda x: x, argnums=(0, 0))(1.0)
    with pytest.raises(ArgnumsError, match="int or a tuple"):
        F.grad(lambda x: x, argnums="x")(1.0)


def test_error_integer_inputs():
    for bad in (np.array([1, 2]), nd.tensor([1, 2]), np.int64(3)):
        with pytest.raises(DtypeError, match=r"dtype int64.*floating-point.*astype\('float64'\)") as info:
            F.grad(lambda x: (x * 1.0).sum())(bad)
        assert isinstance(info.value, TypeError)
    with pytest.raises(DtypeError, match="argument 1"):
        F.jacfwd(lambda x, y: x * y, argnums=1)(1.0, np.array([1, 2]))
    with pytest.raises(DtypeError, match="input 0"):
        nd.jacobian(lambda x: x * 1.0, np.arange(3))


def test_error_integer_output_to_grad():
    with pytest.raises(DtypeError, match="floating-point output"):
        F.grad(lambda x: nd.tensor(3))(1.0)


def test_error_has_aux_without_a_pair():
    with pytest.raises(TypeError, match=r"pair \(output, aux\)"):
        F.grad(lambda x: x, has_aux=True)(1.0)


def test_torch_style_hessian_strict_and_strategies():
    from ndgrad.transforms import IndependentError

    f = lambda x, y: (x**2).sum() * 3.0 + (y * 2.0).sum()
    x, y = rand(2), rand(3)
    for strategy in ("forward-mode", "reverse-mode"):
        (hxx, hxy), (hyx, hyy) = nd.hessian(f, (x, y), outer_jacobian_strategy=strategy)
        np.testing.assert_allclose(value(hxx), 6 * np.eye(2))
        assert hxy.shape == (2, 3) and hyx.shape == (3, 2) and not value(hyy).any()
        with pytest.raises(IndependentError, match="the gradient w.r.t. input 0 does not depend on input 1"):
            nd.hessian(f, (x, y), strict=True, outer_jacobian_strategy=strategy)
    with pytest.raises(IndependentError, match="output 0 does not depend on input 1"):
        nd.hessian(lambda x, y: (x**2).sum(), (x, y), strict=True)
    with pytest.raises(ShapeError, match="hessian.*scalar"):
        nd.hessian(lambda x: x * 2, x)
