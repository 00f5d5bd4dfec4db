"""Transforms: derivatives of functions, in two styles over one engine.

* `ndgrad.func` (also `ndgrad.grad`, `ndgrad.jacrev`, ...): JAX / `torch.func`
  style, functions in and functions out, composable to any depth.
* `ndgrad.jacobian`, `ndgrad.hessian`: `torch.autograd.functional` style,
  values out, with torch's result structure.
"""

from . import func
from ._common import ArgnumsError, IndependentError
from .func import grad, hvp, jacfwd, jacrev, jvp, value_and_grad, vjp
from .functional import hessian, jacobian
from .structured import OneHotRows

__all__ = [
    "ArgnumsError",
    "IndependentError",
    "OneHotRows",
    "func",
    "grad",
    "hessian",
    "hvp",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "value_and_grad",
    "vjp",
]
