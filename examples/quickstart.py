"""The seed's first examples, computed by ndgrad."""

import numpy as np

import ndgrad as nd

x = nd.tensor(3.0, requires_grad=True)
y = x**2 + 2 * x + 1
y.backward()
print("d/dx (x**2 + 2x + 1) at 3 =", x.grad)

x = nd.tensor(np.pi, requires_grad=True)
y = 2 * x**3 + nd.sin(x)
y.backward()
print("d/dx (2x**3 + sin x) at pi =", x.grad)

a = nd.tensor([1, 2, 3])
b = nd.tensor([[10], [20]])
print("broadcast (3,) + (2, 1):", a + b)
