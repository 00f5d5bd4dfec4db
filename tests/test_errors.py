"""Errors teach: they name the operation, the shapes (aligned from the right
for broadcasting) and subclass the built-in exceptions users already catch."""

import re

import numpy as np
import pytest

import ndgrad as nd


def _shape_lines(message):
    """The lines of an aligned-shapes block: the ones that start with a label."""
    return [line for line in message.splitlines() if re.match(r"\s+operand \d+:", line)]


# ------------------------------------------------------------- broadcasting


@pytest.mark.parametrize(
    "op,name",
    [
        (lambda a, b: a + b, "add"),
        (lambda a, b: a - b, "subtract"),
        (lambda a, b: a * b, "multiply"),
        (lambda a, b: a / b, "divide"),
        (lambda a, b: a**b, "power"),
        (nd.maximum, "maximum"),
        (nd.arctan2, "arctan2"),
    ],
)
def test_broadcast_error_names_the_operation_and_both_shapes(op, name):
    a = nd.ones((2, 3))
    b = nd.ones((4,))
    with pytest.raises(ValueError) as info:
        op(a, b)
    assert isinstance(info.value, nd.ShapeError)
    message = str(info.value)
    assert name in message
    assert "(2, 3)" in message and "(4,)" in message


def test_broadcast_error_aligns_shapes_from_the_right():
    with pytest.raises(nd.ShapeError) as info:
        nd.ones((5, 2, 3)) * nd.ones((2, 4))
    message = str(info.value)
    first, second = _shape_lines(message)
    # the last dimensions (3 and 4) end in the same column, as broadcasting reads them
    assert first.rstrip().endswith("3") and second.rstrip().endswith("4")
    assert len(first.rstrip()) == len(second.rstrip())


def test_broadcast_error_names_the_clashing_dimension_and_sizes():
    with pytest.raises(nd.ShapeError) as info:
        nd.ones((5, 2, 3)) + nd.ones((4, 1, 1))
    message = str(info.value)
    assert "-3" in message  # the first axis, counted from the right
    assert "4" in message and "5" in message
    assert "equal or 1" in message


def test_broadcast_error_with_a_numpy_operand():
    with pytest.raises(ValueError) as info:
        nd.tensor(np.ones((2, 3)), requires_grad=True) * np.ones((2,))
    message = str(info.value)
    assert "multiply" in message and "(2, 3)" in message and "(2,)" in message


def test_broadcast_to_incompatible_shape_is_a_value_error():
    with pytest.raises(ValueError) as info:
        nd.broadcast_to(nd.ones((3,)), (2, 4))
    message = str(info.value)
    assert "broadcast_to" in message and "(3,)" in message


def test_broadcasting_error_leaves_no_partial_graph_behind():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError):
        x * nd.ones((3,))
    (x * 2).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [2.0, 2.0])


# ----------------------------------------------------------- other shapes


def test_reshape_error_names_both_shapes_and_sizes():
    with pytest.raises(ValueError) as info:
        nd.ones((2, 3)).reshape(4, 2)
    message = str(info.value)
    assert "reshape" in message and "(2, 3)" in message and "(4, 2)" in message
    assert "6" in message and "8" in message


def test_axis_out_of_range_is_a_value_error_naming_the_rank():
    with pytest.raises(ValueError) as info:
        nd.ones((2, 3)).sum(axis=2)
    message = str(info.value)
    assert "sum" in message and "2" in message and "rank 2" in message


def test_matmul_mismatch_names_the_contracted_dimensions():
    with pytest.raises(ValueError) as info:
        nd.ones((2, 3)) @ nd.ones((4, 5))
    message = str(info.value)
    assert "matmul" in message
    compact = message.replace(" ", "")
    assert "(2,3)" in compact and "(4,5)" in compact
    assert "3" in message and "4" in message


def test_einsum_error_points_at_the_bad_subscript():
    with pytest.raises(ValueError) as info:
        nd.einsum("ij,jk->ik", nd.ones((2, 3)), nd.ones((4, 5)))
    assert isinstance(info.value, nd.EinsumError)
    message = str(info.value)
    assert "'j'" in message and "3" in message and "4" in message
    spec_line, caret_line = next(
        (lines[i], lines[i + 1]) for lines in [message.splitlines()] for i in range(len(lines) - 1)
        if "ij,jk->ik" in lines[i]
    )
    carets = [i for i, c in enumerate(caret_line) if c == "^"]
    assert carets and all(spec_line[i] == "j" for i in carets)


# ------------------------------------------------------------ graph misuse


def test_released_graph_error_is_a_runtime_error_naming_retain_graph():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError) as info:
        y.backward()
    assert isinstance(info.value, nd.GraphError)
    assert "retain_graph" in str(info.value)


def test_released_graph_error_from_autograd_grad():
    x = nd.tensor(2.0, requires_grad=True)
    y = nd.exp(x)
    nd.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="retain_graph"):
        nd.autograd.grad(y, x)


def test_inplace_error_is_a_runtime_error_naming_both_operations():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    y = nd.sqrt(x)  # sqrt's derivative needs its output
    y *= 2
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    assert isinstance(info.value, nd.GraphError)
    message = str(info.value)
    assert "sqrt" in message and "*=" in message


def test_inplace_error_on_a_saved_input_names_the_operation():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    h = x + 1
    y = nd.sin(h)  # sin's derivative needs its input
    h -= 1
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    message = str(info.value)
    assert "sin" in message and "-=" in message


def test_inplace_on_a_leaf_requiring_grad_names_no_grad():
    w = nd.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        w *= 2
    message = str(info.value)
    assert "leaf" in message and "no_grad" in message


def test_non_scalar_backward_error_suggests_the_fix():
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        (x * 2).backward()
    message = str(info.value)
    assert "scalar" in message and "gradient" in message


def test_backward_without_requires_grad_is_a_runtime_error():
    with pytest.raises(RuntimeError, match="requires_grad"):
        (nd.tensor([1.0]) * 2).sum().backward()


# ------------------------------------------------------------------ dtypes


@pytest.mark.parametrize("data", [[1, 2], [True, False], 3])
def test_requires_grad_on_integer_or_bool_data_is_a_type_error(data):
    with pytest.raises(TypeError) as info:
        nd.tensor(data, requires_grad=True)
    assert isinstance(info.value, nd.DtypeError)
    message = str(info.value)
    assert "float" in message
    assert str(np.asarray(data).dtype) in message


def test_requires_grad_underscore_on_int_is_a_type_error():
    with pytest.raises(TypeError, match="float"):
        nd.arange(3).requires_grad_()


def test_error_classes_subclass_the_builtins():
    assert issubclass(nd.ShapeError, ValueError)
    assert issubclass(nd.EinsumError, ValueError)
    assert issubclass(nd.DtypeError, TypeError)
    assert issubclass(nd.GraphError, RuntimeError)
