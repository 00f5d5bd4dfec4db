"""ndgrad: n-dimensional tensors on NumPy with automatic differentiation.

>>> import ndgrad as nd
>>> x = nd.tensor(3.0, requires_grad=True)
>>> y = x**2 + 2*x + 1
>>> y.backward()
>>> x.grad
tensor(8.)
"""

from . import autograd, random
from .backend import xp as _xp
from .core import (
    REGISTRY,
    DtypeError,
    EinsumError,
    GraphError,
    Primitive,
    ShapeError,
    enable_grad,
    is_grad_enabled,
    no_grad,
    primitive,
    set_grad_enabled,
)
from .gradcheck import gradcheck
from .ops import *  # noqa: F403
from .ops import __all__ as _ops_all
from .tensor_class import Tensor, is_tensor

__version__ = "0.1.0"
__array_api_version__ = "2024.12"

# Names served from higher layers, imported on first use (keeps `import ndgrad`
# light: matplotlib and the CLI load only when asked for).
_LAZY = {
    "func": ("ndgrad.transforms", "func"),
    "grad": ("ndgrad.transforms", "grad"),
    "value_and_grad": ("ndgrad.transforms", "value_and_grad"),
    "vjp": ("ndgrad.transforms", "vjp"),
    "jvp": ("ndgrad.transforms", "jvp"),
    "jacrev": ("ndgrad.transforms", "jacrev"),
    "jacfwd": ("ndgrad.transforms", "jacfwd"),
    "hvp": ("ndgrad.transforms", "hvp"),
    "jacobian": ("ndgrad.transforms", "jacobian"),
    "hessian": ("ndgrad.transforms", "hessian"),
    "linalg": ("ndgrad.linalg", None),
    "fft": ("ndgrad.fft", None),
    "plot": ("ndgrad.faces.plot", None),
    "draw_graph": ("ndgrad.faces.graph", "draw_graph"),
}


def __getattr__(name: str):
    import importlib

    if name in _LAZY:
        module_name, attr = _LAZY[name]
        module = importlib.import_module(module_name)
        value = module if attr is None else getattr(module, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ndgrad' has no attribute {name!r}")


pi = _xp.pi
e = _xp.e
inf = _xp.inf
nan = _xp.nan
newaxis = None
float16, float32, float64 = _xp.float16, _xp.float32, _xp.float64
int8, int16, int32, int64 = _xp.int8, _xp.int16, _xp.int32, _xp.int64
uint8, uint16, uint32, uint64 = _xp.uint8, _xp.uint16, _xp.uint32, _xp.uint64
complex64, complex128 = _xp.complex64, _xp.complex128
bool_ = _xp.bool_

__all__ = [
    "REGISTRY",
    "DtypeError",
    "gradcheck",
    "EinsumError",
    "GraphError",
    "Primitive",
    "ShapeError",
    "Tensor",
    "autograd",
    "enable_grad",
    "is_grad_enabled",
    "is_tensor",
    "no_grad",
    "primitive",
    "random",
    "set_grad_enabled",
    "pi",
    "e",
    "inf",
    "nan",
    "newaxis",
    *_ops_all,
]
