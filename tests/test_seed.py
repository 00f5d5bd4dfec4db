"""The seed curriculum's examples, written as a user would write them with ndgrad.

Every number here is the one printed in the seed (week 2: tensors and
mathematical foundations), or NumPy's value for the same computation.
"""

import math

import numpy as np

import ndgrad as nd

# ----------------------------------------------------------------- 1. tensors


def test_scalar_is_a_0d_tensor():
    scalar = nd.tensor(5.0)
    assert scalar.ndim == 0
    assert scalar.shape == ()
    assert scalar.item() == 5.0


def test_vector_is_a_1d_tensor():
    vector = nd.tensor([1.0, 2.0, 3.0])
    assert vector.ndim == 1
    assert vector.shape == (3,)
    assert vector.tolist() == [1.0, 2.0, 3.0]


def test_matrix_is_a_2d_tensor():
    matrix = nd.tensor([[1, 2], [3, 4]])
    assert matrix.ndim == 2
    assert matrix.shape == (2, 2)
    assert matrix.tolist() == [[1, 2], [3, 4]]


def test_rank_of_a_3x2x4_tensor_is_3():
    cube = nd.zeros((3, 2, 4))
    assert cube.ndim == 3
    assert cube.shape == (3, 2, 4)
    assert cube.size == 24


def test_image_as_height_width_channels_tensor():
    image = nd.zeros((32, 48, 3))
    assert image.ndim == 3
    assert image.shape[-1] == 3


# ------------------------------------------------------------- 2. operations


def test_reshape_matrix_to_4_rows_1_column():
    matrix = nd.tensor([[1, 2], [3, 4]])
    reshaped = matrix.reshape(4, 1)
    assert reshaped.shape == (4, 1)
    assert reshaped.tolist() == [[1], [2], [3], [4]]
    np.testing.assert_array_equal(np.asarray(reshaped), np.array([[1, 2], [3, 4]]).reshape(4, 1))


def test_broadcasting_shape_3_with_shape_2_1():
    a = nd.tensor([1, 2, 3])
    b = nd.tensor([[10], [20]])
    result = a + b
    assert result.shape == (2, 3)
    assert result.tolist() == [[11, 12, 13], [21, 22, 23]]


def test_einsum_matrix_multiplication():
    A = nd.tensor([[1, 2], [3, 4]])
    B = nd.tensor([[5, 6], [7, 8]])
    C = nd.einsum("ij,jk->ik", A, B)
    assert C.tolist() == [[19, 22], [43, 50]]


def test_exercise_reshape_1_to_6_into_3x2():
    t = nd.tensor([1, 2, 3, 4, 5, 6])
    reshaped = t.reshape(3, 2)
    assert reshaped.shape == (3, 2)
    assert reshaped.tolist() == [[1, 2], [3, 4], [5, 6]]


# -------------------------------------------------------------- 3. autograd


def test_gradient_of_x_squared_plus_2x_plus_1_at_3_is_8():
    x = nd.tensor(3.0, requires_grad=True)
    y = x**2 + 2 * x + 1
    y.backward()
    assert x.grad.item() == 8.0
    assert repr(x.grad) == "tensor(8.)"


def test_gradient_of_2x_cubed_plus_sin_at_pi():
    x = nd.tensor(np.pi, requires_grad=True)
    y = 2 * x**3 + nd.sin(x)
    y.backward()
    expected = 6 * math.pi**2 - 1
    assert math.isclose(x.grad.item(), expected, rel_tol=1e-12)
    assert round(x.grad.item(), 4) == 58.2176


def test_gradient_of_2x_cubed_plus_sin_method_spelling():
    x = nd.tensor(math.pi, requires_grad=True)
    (2 * x**3 + x.sin()).backward()
    assert math.isclose(float(x.grad), 6 * math.pi**2 - 1, rel_tol=1e-12)


def test_answer_gradient_of_3x_squared_at_2_is_12():
    x = nd.tensor(2.0, requires_grad=True)
    y = 3 * x**2
    y.backward()
    assert x.grad.item() == 12.0


# --------------------------------------------------------------- 4. jacobian


def _jacobian_rows(outputs, inputs):
    """A Jacobian built the PyTorch way: one autograd.grad call per output."""
    return [
        [float(g) for g in nd.autograd.grad(out, inputs, retain_graph=True)]
        for out in outputs
    ]


def test_jacobian_of_x2_plus_3y_and_5x_plus_y3():
    x = nd.tensor(2.0, requires_grad=True)
    y = nd.tensor(4.0, requires_grad=True)
    f = [x**2 + 3 * y, 5 * x + y**3]
    # [[2x, 3], [5, 3y^2]] at (2, 4)
    assert _jacobian_rows(f, [x, y]) == [[4.0, 3.0], [5.0, 48.0]]


def test_project_jacobian_of_x2_plus_3y_at_2_4_is_4_3():
    def f(x, y):
        return x**2 + 3 * y

    x = nd.tensor(2.0, requires_grad=True)
    y = nd.tensor(4.0, requires_grad=True)
    assert _jacobian_rows([f(x, y)], [x, y]) == [[4.0, 3.0]]


def test_answer_jacobian_of_x_plus_y_and_xy():
    x = nd.tensor(1.5, requires_grad=True)
    y = nd.tensor(-2.0, requires_grad=True)
    # [[1, 1], [y, x]]
    assert _jacobian_rows([x + y, x * y], [x, y]) == [[1.0, 1.0], [-2.0, 1.5]]


def test_meshgrid_of_f_equals_numpy():
    def f(x, y):
        return x**2 + 3 * y

    x_vals = nd.linspace(-2, 2, 100)
    y_vals = nd.linspace(-2, 2, 100)
    X, Y = nd.meshgrid(x_vals, y_vals)
    Z = f(X, Y)

    X_np, Y_np = np.meshgrid(np.linspace(-2, 2, 100), np.linspace(-2, 2, 100))
    assert Z.shape == (100, 100)
    np.testing.assert_array_equal(np.asarray(X), X_np)
    np.testing.assert_array_equal(np.asarray(Y), Y_np)
    np.testing.assert_allclose(np.asarray(Z), X_np**2 + 3 * Y_np, rtol=0, atol=1e-12)


def test_meshgrid_gradient_of_f_is_2x_and_3():
    x_vals = nd.linspace(-2, 2, 5, requires_grad=True)
    y_vals = nd.linspace(-2, 2, 4, requires_grad=True)
    X, Y = nd.meshgrid(x_vals, y_vals)
    (X**2 + 3 * Y).sum().backward()
    # each x appears in 4 rows, each y in 5 columns
    np.testing.assert_allclose(np.asarray(x_vals.grad), 4 * 2 * np.linspace(-2, 2, 5))
    np.testing.assert_allclose(np.asarray(y_vals.grad), np.full(4, 5 * 3.0))
