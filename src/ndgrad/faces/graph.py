"""Drawings of the recorded computation graph, in Graphviz's DOT language.

    >>> x = nd.tensor(3.0, requires_grad=True)
    >>> y = x**2 + 2*x + 1
    >>> drawing = nd.draw_graph(y, names={"x": x})
    >>> print(drawing)              # the DOT text, always available
    >>> drawing.render("y.svg")     # needs Graphviz's `dot` program

In Jupyter the drawing shows inline as SVG when `dot` is installed, and as
DOT text otherwise.  Draw the graph before `backward()`, or call
`backward(retain_graph=True)`: a backward without it frees what the graph
holds, including its links between operations.  With `show_grads=True`,
draw after `backward(retain_graph=True)` to see the gradients.
"""

from __future__ import annotations

import functools
import inspect
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..backend import xp
from ..core.errors import GraphError
from ..core.graph import Node, TensorBase

__all__ = ["draw_graph", "GraphDrawing", "GraphvizNotFound"]

# Graphs bigger than this are shown as DOT text in notebooks rather than laid out (layout takes long).
INLINE_RENDER_LIMIT = 1_000

_LEAF_STYLE = 'shape=box, style="rounded,filled", fillcolor="#cfe2ff"'
_OP_STYLE = 'shape=box, style=filled, fillcolor="#fff3cd"'
_OUTPUT_STYLE = 'shape=box, style=filled, fillcolor="#d1e7dd", peripheries=2'


class GraphvizNotFound(RuntimeError):
    """Rendering needs Graphviz's `dot` program and it is not on PATH."""


class GraphDrawing(str):
    """The DOT text of a computation graph (it *is* the text), able to render itself."""

    node_count: int

    def __new__(cls, source: str, node_count: int) -> GraphDrawing:
        drawing = super().__new__(cls, source)
        drawing.node_count = node_count
        return drawing

    @property
    def source(self) -> str:
        """The DOT text as a plain str."""
        return str.__str__(self)

    def pipe(self, format: str = "svg") -> bytes:  # noqa: A002 - Graphviz's own word
        """The drawing laid out by `dot` in `format` ('svg', 'png', 'pdf')."""
        dot = shutil.which("dot")
        if dot is None:
            raise GraphvizNotFound(
                "rendering needs Graphviz's `dot` program, which is not installed "
                "(apt-get install graphviz, brew install graphviz or conda install graphviz). "
                "The DOT text itself is str(drawing); paste it into any Graphviz viewer."
            )
        done = subprocess.run([dot, f"-T{format}"], input=self.source.encode(), capture_output=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout

    def render(self, path: str | Path) -> Path:
        """Write the drawing to `path`: .dot/.gv write the text; .svg/.png/.pdf need `dot`."""
        path = Path(path)
        suffix = path.suffix.lower().lstrip(".")
        if suffix in ("dot", "gv"):
            path.write_text(self.source)
        elif suffix in ("svg", "png", "pdf"):
            path.write_bytes(self.pipe(suffix))
        else:
            raise ValueError(f"cannot tell the format of {path.name!r}: end the name with .svg, .png, .pdf or .dot")
        return path

    def _repr_svg_(self) -> str | None:
        if shutil.which("dot") is None or self.node_count > INLINE_RENDER_LIMIT:
            return None
        return self.pipe("svg").decode()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        bundle = {"text/plain": self.source}
        svg = self._repr_svg_()
        if svg is not None:
            bundle["image/svg+xml"] = svg
        return bundle


def _quote(text: str) -> str:
    """A DOT double-quoted string; newlines become line breaks in the label."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _values(value: Any, width: int = 48) -> str:
    arr = xp.asarray(value.data if isinstance(value, TensorBase) else value)
    if arr.ndim == 0 and arr.dtype.kind in "fiub":
        return f"{float(arr):.4g}"
    text = xp.array2string(arr, precision=4, separator=", ", threshold=6, edgeitems=2).replace("\n", "")
    return text if len(text) <= width else text[: width - 3] + "..."


def _describe(shape: tuple, dtype: Any) -> str:
    return f"{tuple(shape)} {xp.dtype(dtype).name}"


def _constant(arg: Any) -> str:
    """How an argument that gets no gradient is shown inside its op's label."""
    data = arg.data if isinstance(arg, TensorBase) else arg
    if hasattr(data, "shape") and xp.ndim(data) > 0:
        return f"const{tuple(data.shape)}"
    if hasattr(data, "shape") or isinstance(data, (int, float)) and not isinstance(data, bool):
        try:
            return f"{float(data):.4g}"
        except (TypeError, ValueError):
            pass
    shown = repr(data)
    return shown if len(shown) <= 24 else shown[:21] + "..."


@functools.cache
def _argument_names(impl: Any) -> tuple[str, ...]:
    """Parameter names of a primitive's implementation, when Python can tell (not for ufuncs)."""
    try:
        params = inspect.signature(impl).parameters.values()
    except (TypeError, ValueError):
        return ()
    return tuple(p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


class _Walker:
    """Collects nodes and edges from the output back to the leaves, without recursion."""

    def __init__(self, names: Mapping[str, Any] | None) -> None:
        self.ids: dict[int, str] = {}
        self.lines: list[str] = []
        self.edges: list[str] = []
        self.leaf_names = {id(t): name for name, t in (names or {}).items()}
        self.objects: list[Any] = []  # keeps walked objects alive so ids stay unique

    def key(self, obj: Any) -> tuple[str, bool]:
        """A stable DOT id for a node or leaf, and whether it is new."""
        found = self.ids.get(id(obj))
        if found is not None:
            return found, False
        self.objects.append(obj)
        name = f"n{len(self.ids)}"
        self.ids[id(obj)] = name
        return name, True

    def walk(self, root: Node) -> None:
        stack = [root]
        self.key(root)
        while stack:
            node = stack.pop()
            if node.released:
                raise GraphError(
                    f"the graph was freed by backward() (at '{node.name}'), so it cannot be drawn. "
                    "Draw it before calling backward(), or call backward(retain_graph=True)."
                )
            here = self.ids[id(node)]
            for i in node.edges:
                source = node.source(i)
                name, new = self.key(source)
                self.edges.append(f"  {name} -> {here};")
                if new and isinstance(source, Node):
                    stack.append(source)


def _leaf_label(t: TensorBase, name: str | None, show_grads: bool) -> str:
    lines = [name or "leaf", _describe(t.data.shape, t.data.dtype)]
    if xp.ndim(t.data) == 0 or t.data.size <= 4:
        lines.append(f"value {_values(t)}")
    if show_grads:
        lines.append(f"grad {_values(t.grad)}" if t.grad is not None else "grad: none yet")
    return "\n".join(lines)


def _op_label(node: Node, show_grads: bool, is_output: bool) -> str:
    # Operands of arithmetic stay positional (multiply(2, •)); settings get names (sum(•, axis=...)).
    names = () if node.prim.broadcasting else _argument_names(node.prim.impl)
    parts = []
    for i, arg in enumerate(node.args):
        if i in node.edges:
            parts.append("•")
        else:  # a constant: named when the signature says what it is (axis=, shape=)
            parts.append(f"{names[i]}={_constant(arg)}" if 0 < i < len(names) else _constant(arg))
    parts += [f"{key}={_constant(value)}" for key, value in node.params.items()]
    lines = [node.name]
    if any(p != "•" for p in parts):
        lines[0] += "(" + ", ".join(parts) + ")"
    lines.append(_describe(node.shape, node.dtype))
    if show_grads and node.retained is not None and node.retained.grad is not None:
        lines.append(f"grad {_values(node.retained.grad)}")
    if is_output:
        lines.append("output")
    return "\n".join(lines)


def draw_graph(y: Any, show_grads: bool = False, names: Mapping[str, Any] | None = None,
               rankdir: str = "TB") -> GraphDrawing:
    """Describe the graph that computed `y` in DOT: one box per operation and per leaf
    (tensors created with requires_grad=True), arrows in the direction data flows.

    Operation boxes show the op name, constant arguments, output shape and
    dtype; leaves show their shape, dtype and (small) values.  `names` maps
    labels to leaf tensors (`names={"x": x}`); `show_grads=True` adds each
    leaf's `.grad` (and that of tensors kept with `retain_grad()`).
    """
    if not isinstance(y, TensorBase):
        raise TypeError(f"draw_graph expects an ndgrad tensor, got {type(y).__name__}")
    walker = _Walker(names)
    if y._node is None:
        name, _ = walker.key(y)
        label = _leaf_label(y, walker.leaf_names.get(id(y)), show_grads)
        body = [f"  {name} [label={_quote(label)}, {_LEAF_STYLE}];"]
    else:
        walker.walk(y._node)
        body = _node_lines(walker, y._node, show_grads)
    header = [
        "digraph ndgrad {",
        f"  rankdir={rankdir};",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [color="#555555"];',
    ]
    text = "\n".join(header + body + list(reversed(walker.edges)) + ["}"]) + "\n"
    return GraphDrawing(text, len(walker.ids))


def _node_lines(walker: _Walker, output: Node, show_grads: bool) -> list[str]:
    lines = []
    for obj in reversed(walker.objects):  # leaves and early ops first: reads top to bottom
        name = walker.ids[id(obj)]
        if isinstance(obj, Node):
            style = _OUTPUT_STYLE if obj is output else _OP_STYLE
            label = _op_label(obj, show_grads, obj is output)
        else:
            style = _LEAF_STYLE
            label = _leaf_label(obj, walker.leaf_names.get(id(obj)), show_grads)
        lines.append(f"  {name} [label={_quote(label)}, {style}];")
    return lines
