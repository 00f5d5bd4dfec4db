"""The autodiff core: graph nodes, grad mode, backward traversal, registry.

It knows no operation by name and nothing about the layers above it.
"""

from .errors import DtypeError, EinsumError, GraphError, ShapeError
from .graph import Node, TensorBase, set_tensor_class, wrap
from .mode import enable_grad, is_grad_enabled, new_level, no_grad, set_grad_enabled
from .registry import REGISTRY, Primitive, primitive

__all__ = [
    "REGISTRY",
    "DtypeError",
    "EinsumError",
    "GraphError",
    "Node",
    "Primitive",
    "ShapeError",
    "TensorBase",
    "enable_grad",
    "is_grad_enabled",
    "new_level",
    "no_grad",
    "primitive",
    "set_grad_enabled",
    "set_tensor_class",
    "wrap",
]
