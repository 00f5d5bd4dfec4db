"""The lesson's first examples, computed by ndgrad: tensors, broadcasting, einsum, gradients.

    python examples/quickstart.py
"""

import math

import ndgrad as nd

# Tensors of rank 0 to 3: the rank is the number of axes.
for t in (nd.tensor(5.0), nd.tensor([1.0, 2.0, 3.0]), nd.tensor([[1, 2], [3, 4]]), nd.zeros((3, 2, 4))):
    print(f"shape {t.shape}, rank {t.ndim}")

# Broadcasting: (3,) + (2, 1) -> (2, 3).
a = nd.tensor([1, 2, 3])
b = nd.tensor([[10], [20]])
print("a + b =", (a + b).tolist())

# Einsum as matrix multiplication.
A = nd.tensor([[1, 2], [3, 4]])
B = nd.tensor([[5, 6], [7, 8]])
print("einsum('ij,jk->ik', A, B) =", nd.einsum("ij,jk->ik", A, B).tolist())

# Reverse-mode autodiff, PyTorch style.
x = nd.tensor(3.0, requires_grad=True)
y = x**2 + 2 * x + 1
y.backward()
print("d/dx (x**2 + 2x + 1) at 3 =", x.grad.item())

x = nd.tensor(math.pi, requires_grad=True)
y = 2 * x**3 + nd.sin(x)
y.backward()
print(f"d/dx (2x**3 + sin x) at pi = {x.grad.item():.4f}")

# The same derivative as a function, JAX style.
print(f"nd.grad(f)(pi) = {nd.grad(lambda x: 2 * x**3 + nd.sin(x))(nd.tensor(math.pi)).item():.4f}")
