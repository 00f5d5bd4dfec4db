"""The public Tensor: a thin class whose operators and methods forward to ops.

The state autodiff needs lives in `core.TensorBase`; everything here is one
line that calls the operation of the same name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from . import autograd, ops
from .backend import ARRAY_TYPES, xp
from .core import engine
from .core.errors import GraphError
from .core.graph import Node, TensorBase, apply2, set_tensor_class, wrap
from .core.mode import STATE
from .core.versions import bump
from .ops import elementwise as ew

_API_VERSIONS = (None, "2021.12", "2022.12", "2023.12", "2024.12")
_DEFAULT_DTYPES = {xp.dtype(xp.float64), xp.dtype(xp.int64), xp.dtype(bool)}


class Tensor(TensorBase):
    """An n-dimensional array that can record operations for autodiff."""

    __slots__ = ()
    # NumPy defers to our reflected operators and ufunc protocol.
    __array_priority__ = 1000

    def __init__(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> None:
        if isinstance(data, TensorBase):
            data = data.data
        self.data = xp.asarray(data, dtype=dtype)
        self.grad = None
        self._node = None
        self._version = 0
        self._tan = None
        self._hooks = None
        self._rg = False
        if requires_grad:
            self.requires_grad = True

    # ------------------------------------------------------------- attributes
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        """The rank: the number of axes (a 3x2x4 tensor has ndim 3)."""
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> Any:
        return self.data.dtype

    @property
    def itemsize(self) -> int:
        return self.data.itemsize

    @property
    def nbytes(self) -> int:
        return self.data.nbytes

    @property
    def real(self) -> Tensor:
        return ops.real(self)

    @property
    def imag(self) -> Tensor:
        return ops.imag(self)

    def conj(self) -> Tensor:
        return ops.conj(self)

    @property
    def T(self) -> Tensor:
        return ops.transpose(self)

    @property
    def mT(self) -> Tensor:
        return ops.matrix_transpose(self)

    @property
    def is_leaf(self) -> bool:
        return self._node is None

    @property
    def grad_fn(self) -> Node | None:
        return self._node

    @property
    def device(self) -> str:
        return "cpu"

    def __array_namespace__(self, /, *, api_version: str | None = None) -> Any:
        """The array-API namespace of tensors: ndgrad itself."""
        import ndgrad

        if api_version not in _API_VERSIONS:
            raise ValueError(
                f"ndgrad implements the array API standard {', '.join(_API_VERSIONS[1:])}; "
                f"got api_version={api_version!r}"
            )
        return ndgrad

    def __dlpack__(self, *args: Any, **kwargs: Any) -> Any:
        return xp.asarray(self.data).__dlpack__(*args, **kwargs)

    def __dlpack_device__(self) -> tuple:
        return xp.asarray(self.data).__dlpack_device__()

    def to_device(self, device: Any, /, *, stream: Any = None) -> Tensor:
        if device not in ("cpu", None):
            raise ValueError(f"ndgrad tensors live on the CPU; cannot move to {device!r}")
        return self

    def dim(self) -> int:
        return self.ndim

    def numel(self) -> int:
        return self.size

    # ------------------------------------------------------------ conversions
    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Any:
        arr = xp.asarray(self.data, dtype=dtype)
        return arr.copy() if copy else arr

    def numpy(self) -> Any:
        """The values as a NumPy array (shares memory; detached from the graph)."""
        return xp.asarray(self.data)

    def item(self) -> Any:
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def __float__(self) -> float:
        return float(self.data)

    def __int__(self) -> int:
        return int(self.data)

    def __index__(self) -> int:
        return self.data.__index__()

    def __bool__(self) -> bool:
        return bool(self.data)

    def __complex__(self) -> complex:
        return complex(self.data)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor (a scalar has no length; use .item())")
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    # Identity hashing (== is elementwise), in C: the engine keys dicts by leaves.
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        body = xp.array2string(xp.asarray(self.data), separator=", ", prefix="tensor(")
        extras = []
        if self.dtype not in _DEFAULT_DTYPES:
            extras.append(f"dtype={self.dtype}")
        if self._node is not None:
            extras.append(f"grad_fn=<{self._node.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return f"tensor({body}{''.join(', ' + e for e in extras)})"

    __str__ = __repr__

    # --------------------------------------------------------------- autograd
    def backward(self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (PyTorch style)."""
        autograd.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    def detach(self) -> Tensor:
        """The same values, cut off from the graph (shares memory)."""
        return wrap(self.data)

    def detach_(self) -> Tensor:
        STATE.unrecorded += self._node is not None
        self._node = None
        self._rg = False
        return self

    def clone(self) -> Tensor:
        return ops.copy(self)

    def retain_grad(self) -> None:
        """Keep `.grad` of this non-leaf tensor after backward."""
        if self._node is None:
            return
        self._node.retained = self

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Callable[[], None]:
        """Call `hook(grad)` when this tensor's gradient is computed; a returned
        tensor replaces the gradient.  Returns a function that removes the hook."""
        if not self.requires_grad:
            raise GraphError("cannot register a hook on a tensor that does not require grad")
        if self._node is None:
            hooks = self._hooks = self._hooks or []
        else:
            hooks = self._node.hooks = self._node.hooks or []
        hooks.append(hook)
        return lambda: hooks.remove(hook)

    def zero_grad(self) -> None:
        self.grad = None

    # ---------------------------------------------------------------- in place
    def _inplace(self, opname: str, fn: Callable[..., Any], *args: Any) -> Tensor:
        """Apply `fn(self, *args)` and write the result into self's memory.

        When a graph is recorded, the result's node becomes this tensor's node;
        nodes recorded earlier keep the node this tensor had before.
        """
        tracked = STATE.grad_enabled and (
            self.requires_grad or any(isinstance(a, TensorBase) and a.requires_grad for a in args)
        )
        bases = _viewed_bases(self) if tracked and self._node is not None else []
        if tracked and self._rg and (self._node is None or any(not isinstance(b, Node) for b in bases)):
            what = "a leaf tensor" if self._node is None else "a view of a leaf tensor"
            raise GraphError(
                f"{what} that requires grad is used in an in-place operation ({opname}). "
                "Wrap the update in `with ndgrad.no_grad():` (as in an SGD step) or use the out-of-place form."
            )
        for base in bases:  # their values change behind their nodes' backs
            base.view_write = opname
        STATE.inplace_ops += 1
        if not tracked:
            result, node = fn(wrap(self.data), *args).data, None
        else:
            old = wrap(self.data, self._node, self.requires_grad)
            res = fn(old, *args)
            result, node = res.data, res._node
            if node is not None and 0 in node.prim.reads_args:
                _keep_old_values(node, old)
            if self._node is not None:
                engine.note_rebase(self)
        self._write(result, opname)
        if tracked:
            self._node, self._rg = node, True
        return self

    def _write(self, result: Any, opname: str) -> None:
        """Overwrite the values in place (NumPy view semantics), bumping versions."""
        if isinstance(self.data, xp.ndarray) and self.data.flags.writeable:
            xp.copyto(self.data, result, casting="same_kind")
        else:
            self.data = xp.array(result, dtype=self.dtype)
        bump(self.data, opname)
        self._version += 1

    def _update(self, opname: str, fn: Callable[..., Any], ufunc: Any, other: Any) -> Tensor:
        """`self op= other`: straight into memory when nothing is recorded
        (an SGD step under no_grad costs what NumPy's own `-=` costs)."""
        untracked = not (STATE.grad_enabled and (self._rg or getattr(other, "_rg", False)))
        data = self.data
        if untracked and type(data) is xp.ndarray and data.flags.writeable:
            STATE.inplace_ops += 1
            # A ufunc's default casting with out= is NumPy's own for `-=`: "same_kind".
            ufunc(data, other.data if isinstance(other, TensorBase) else other, out=data)
            bump(data, opname)
            self._version += 1
            return self
        return self._inplace(opname, fn, other)

    def __iadd__(self, other: Any) -> Tensor:
        return self._update("+= (add_)", ew.add, xp.add, other)

    def __isub__(self, other: Any) -> Tensor:
        return self._update("-= (sub_)", ew.subtract, xp.subtract, other)

    def __imul__(self, other: Any) -> Tensor:
        return self._update("*= (mul_)", ew.multiply, xp.multiply, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._update("/= (div_)", ew.divide, xp.divide, other)

    def __ipow__(self, other: Any) -> Tensor:
        return self._inplace("**= (pow_)", ew.power, other)

    def __setitem__(self, index: Any, value: Any) -> None:
        tracked = STATE.grad_enabled and (self.requires_grad or getattr(value, "requires_grad", False))
        if tracked or not isinstance(self.data, xp.ndarray):
            self._inplace("x[...] = v (setitem)", ops.index_update, index, value)
            return
        # Nothing to record: write straight into memory, as NumPy does.
        STATE.inplace_ops += 1
        self.data[ops.index.Index(self.data.shape, index).key] = value.data if isinstance(value, TensorBase) else value
        bump(self.data, "x[...] = v (setitem)")
        self._version += 1

    def add_(self, other: Any) -> Tensor:
        return self.__iadd__(other)

    def sub_(self, other: Any) -> Tensor:
        return self.__isub__(other)

    def mul_(self, other: Any) -> Tensor:
        return self.__imul__(other)

    def div_(self, other: Any) -> Tensor:
        return self.__itruediv__(other)

    def zero_(self) -> Tensor:
        return self._inplace("zero_", lambda x: x * 0)

    def fill_(self, value: Any) -> Tensor:
        return self._inplace("fill_", lambda x: x * 0 + value)

    # --------------------------------------------------------------- operators
    def __add__(self, other: Any) -> Tensor:
        return apply2(ew.add, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return apply2(ew.add, other, self)

    def __sub__(self, other: Any) -> Tensor:
        return apply2(ew.subtract, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return apply2(ew.subtract, other, self)

    def __mul__(self, other: Any) -> Tensor:
        if other is self:  # x * x is square(x): the same values, half the derivative work
            return ew.square(self)
        return apply2(ew.multiply, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return apply2(ew.multiply, other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return apply2(ew.divide, self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return apply2(ew.divide, other, self)

    def __floordiv__(self, other: Any) -> Tensor:
        return apply2(ew.floor_divide, self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return apply2(ew.floor_divide, other, self)

    def __mod__(self, other: Any) -> Tensor:
        return apply2(ew.remainder, self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return apply2(ew.remainder, other, self)

    def __pow__(self, other: Any) -> Tensor:
        return apply2(ew.power, self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return apply2(ew.power, other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return ew.negative(self)

    def __pos__(self) -> Tensor:
        return ew.positive(self)

    def __abs__(self) -> Tensor:
        return ew.absolute(self)

    # Comparisons and logic give bool tensors (not differentiable).
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return ops.equal(self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return ops.not_equal(self, other)

    def __lt__(self, other: Any) -> Tensor:
        return ops.less(self, other)

    def __le__(self, other: Any) -> Tensor:
        return ops.less_equal(self, other)

    def __gt__(self, other: Any) -> Tensor:
        return ops.greater(self, other)

    def __ge__(self, other: Any) -> Tensor:
        return ops.greater_equal(self, other)

    def __and__(self, other: Any) -> Tensor:
        return ops.logical_and(self, other) if self.dtype == bool else ops.bitwise_and(self, other)

    def __rand__(self, other: Any) -> Tensor:
        return self.__and__(other)

    def __or__(self, other: Any) -> Tensor:
        return ops.logical_or(self, other) if self.dtype == bool else ops.bitwise_or(self, other)

    def __ror__(self, other: Any) -> Tensor:
        return self.__or__(other)

    def __xor__(self, other: Any) -> Tensor:
        return ops.logical_xor(self, other) if self.dtype == bool else ops.bitwise_xor(self, other)

    def __rxor__(self, other: Any) -> Tensor:
        return self.__xor__(other)

    def __lshift__(self, other: Any) -> Tensor:
        return ops.bitwise_left_shift(self, other)

    def __rlshift__(self, other: Any) -> Tensor:
        return ops.bitwise_left_shift(other, self)

    def __rshift__(self, other: Any) -> Tensor:
        return ops.bitwise_right_shift(self, other)

    def __rrshift__(self, other: Any) -> Tensor:
        return ops.bitwise_right_shift(other, self)

    # In-place forms of the remaining operators (the standard's full set).
    def __ifloordiv__(self, other: Any) -> Tensor:
        return self._inplace("//= (floor_divide_)", ew.floor_divide, other)

    def __imod__(self, other: Any) -> Tensor:
        return self._inplace("%= (remainder_)", ew.remainder, other)

    def __imatmul__(self, other: Any) -> Tensor:
        return self._inplace("@= (matmul_)", ops.matmul, other)

    def __iand__(self, other: Any) -> Tensor:
        return self._inplace("&= (and_)", Tensor.__and__, other)

    def __ior__(self, other: Any) -> Tensor:
        return self._inplace("|= (or_)", Tensor.__or__, other)

    def __ixor__(self, other: Any) -> Tensor:
        return self._inplace("^= (xor_)", Tensor.__xor__, other)

    def __ilshift__(self, other: Any) -> Tensor:
        return self._inplace("<<= (left_shift_)", Tensor.__lshift__, other)

    def __irshift__(self, other: Any) -> Tensor:
        return self._inplace(">>= (right_shift_)", Tensor.__rshift__, other)

    def __invert__(self) -> Tensor:
        return ops.logical_not(self) if self.dtype == bool else ops.bitwise_invert(self)

    def __getitem__(self, index: Any) -> Tensor:
        return ops.getitem(self, index)

    # NumPy interoperability: ufuncs and functions on tensors stay on tensors.
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        # `ndarray op tensor` lands here; plain arithmetic skips the general router.
        fast = _ARITHMETIC.get(ufunc) if method == "__call__" and not kwargs else None
        if fast is not None:
            return fast(*inputs)
        from .interop import array_ufunc

        return array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        from .interop import array_function

        return array_function(func, types, args, kwargs)

    # ------------------------------------------------------------ NumPy methods
    def reshape(self, *shape: Any) -> Tensor:
        return ops.reshape(self, *shape)

    def view(self, *shape: Any) -> Tensor:
        return ops.reshape(self, *shape)

    def flatten(self) -> Tensor:
        return ops.flatten(self)

    def ravel(self) -> Tensor:
        return ops.ravel(self)

    def transpose(self, *axes: Any) -> Tensor:
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = tuple(axes[0])
        return ops.transpose(self, axes or None)

    def permute(self, *axes: Any) -> Tensor:
        return self.transpose(*axes)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        return ops.swapaxes(self, axis1, axis2)

    def moveaxis(self, source: Any, destination: Any) -> Tensor:
        return ops.moveaxis(self, source, destination)

    def squeeze(self, axis: Any = None) -> Tensor:
        return ops.squeeze(self, axis)

    def unsqueeze(self, axis: int) -> Tensor:
        return ops.expand_dims(self, axis)

    def expand_dims(self, axis: Any) -> Tensor:
        return ops.expand_dims(self, axis)

    def broadcast_to(self, shape: Any) -> Tensor:
        return ops.broadcast_to(self, shape)

    def expand(self, *shape: Any) -> Tensor:
        return ops.broadcast_to(self, shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape)

    def repeat(self, repeats: Any, axis: Any = None) -> Tensor:
        return ops.repeat(self, repeats, axis)

    def flip(self, axis: Any = None) -> Tensor:
        return ops.flip(self, axis)

    def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
        return ops.diagonal(self, offset, axis1, axis2)

    def trace(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
        return ops.trace(self, offset, axis1, axis2)

    def astype(self, dtype: Any, copy: bool = True) -> Tensor:
        return ew.astype(self, dtype)

    def copy(self) -> Tensor:
        return ops.copy(self)

    def sum(self, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Tensor:
        return ops.sum(self, axis=axis, keepdims=keepdims, dtype=dtype)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.mean(self, axis=axis, keepdims=keepdims)

    def prod(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.prod(self, axis=axis, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.min(self, axis=axis, keepdims=keepdims)

    def var(self, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Tensor:
        return ops.var(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def std(self, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Tensor:
        return ops.std(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def argmax(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.argmin(self, axis=axis, keepdims=keepdims)

    def all(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.all(self, axis=axis, keepdims=keepdims)

    def any(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.any(self, axis=axis, keepdims=keepdims)

    def cumsum(self, axis: Any = None) -> Tensor:
        return ops.cumsum(self, axis=axis)

    def cumprod(self, axis: Any = None) -> Tensor:
        return ops.cumprod(self, axis=axis)

    def sort(self, axis: int = -1) -> Tensor:
        return ops.sort(self, axis=axis)

    def argsort(self, axis: int = -1) -> Tensor:
        return ops.argsort(self, axis=axis)

    def logsumexp(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.logsumexp(self, axis=axis, keepdims=keepdims)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return ew.clip(self, min, max)

    def dot(self, other: Any) -> Tensor:
        return ops.dot(self, other)

    def round(self, decimals: int = 0) -> Tensor:
        return ew.round(self, decimals)

    # PyTorch-style elementwise methods.
    def exp(self) -> Tensor:
        return ew.exp(self)

    def log(self) -> Tensor:
        return ew.log(self)

    def sqrt(self) -> Tensor:
        return ew.sqrt(self)

    def sin(self) -> Tensor:
        return ew.sin(self)

    def cos(self) -> Tensor:
        return ew.cos(self)

    def tanh(self) -> Tensor:
        return ew.tanh(self)

    def sigmoid(self) -> Tensor:
        return ew.sigmoid(self)

    def relu(self) -> Tensor:
        return ew.relu(self)

    def abs(self) -> Tensor:
        return ew.absolute(self)

    def square(self) -> Tensor:
        return ew.square(self)

    def pow(self, exponent: Any) -> Tensor:
        return ew.power(self, exponent)

    def softmax(self, axis: int = -1) -> Tensor:
        return ops.softmax(self, axis=axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return ops.log_softmax(self, axis=axis)

    def norm(self, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A002
        return ops.norm(self, ord=ord, axis=axis, keepdims=keepdims)


set_tensor_class(Tensor)

_ARITHMETIC = {
    xp.add: ew.add,
    xp.subtract: ew.subtract,
    xp.multiply: ew.multiply,
    xp.divide: ew.divide,
    xp.power: ew.power,
    xp.negative: ew.negative,
}


def _viewed_bases(t: TensorBase) -> list[Node | TensorBase]:
    """The recorded ancestors whose memory `t` is a view of, as the nodes that
    made them (or leaf tensors), walking back only through ancestors that
    share that memory."""
    if not isinstance(t.data, xp.ndarray) or t.data.base is None:
        return []
    bases, stack, seen = [], [t._node], set()
    while stack:
        node = stack.pop()
        if node.vals is None or id(node) in seen:
            continue
        seen.add(id(node))
        for i in node.edges:
            value = node.vals[i]  # a stand-in for a dropped argument shares no memory
            if xp.may_share_memory(value, t.data):
                source = node.source(i)
                bases.append(source)
                if isinstance(source, Node):
                    stack.append(source)
    return bases


def _keep_old_values(node: Node, old: TensorBase) -> None:
    """The in-place op's own rule reads the values it overwrites: save a copy."""
    old.data = xp.array(old.data)
    node.vals = (old.data, *node.vals[1:])


def is_tensor(x: Any) -> bool:
    return isinstance(x, TensorBase)


def as_array(x: Any) -> Any:
    """Raw array data of a tensor, array or Python value."""
    if isinstance(x, TensorBase):
        return x.data
    return x if isinstance(x, ARRAY_TYPES) else xp.asarray(x)
