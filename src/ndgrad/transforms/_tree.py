"""Nested tuples, lists and dicts of values ("pytrees"): flatten and rebuild.

Transforms accept and return such nests (a dict of parameters, a tuple of
outputs); everything that is not a tuple, list or dict is a leaf, and so is
a list of plain numbers ([1.0, 2.0] is a vector, as NumPy reads it).
"""

from __future__ import annotations

from typing import Any

from ..backend import xp


class TreeSpec:
    """The shape of a nest: its container types and keys, without the leaves."""

    __slots__ = ("kind", "keys", "children", "num_leaves")

    def __init__(self, kind: type | None, keys: tuple, children: tuple[TreeSpec, ...]) -> None:
        self.kind = kind  # None for a leaf
        self.keys = keys
        self.children = children
        self.num_leaves = 1 if kind is None else sum(c.num_leaves for c in children)

    @property
    def is_leaf(self) -> bool:
        return self.kind is None

    def __repr__(self) -> str:
        if self.kind is None:
            return "*"
        inner = ", ".join(repr(c) for c in self.children)
        return f"{self.kind.__name__}({inner})"


LEAF = TreeSpec(None, (), ())


def tree_flatten(tree: Any) -> tuple[list, TreeSpec]:
    """The leaves of `tree` in order (dicts in insertion order) and its spec."""
    if not isinstance(tree, (tuple, list, dict)):  # one leaf, the commonest nest
        return [tree], LEAF
    leaves: list = []
    spec = _flatten(tree, leaves)
    return leaves, spec


def _is_numbers(x: Any) -> bool:
    """A list of plain numbers (or of such lists) is data, not a container."""
    return all(isinstance(v, (int, float, complex, xp.number)) or (isinstance(v, list) and _is_numbers(v)) for v in x)


def _flatten(tree: Any, leaves: list) -> TreeSpec:
    if isinstance(tree, list) and tree and _is_numbers(tree):
        leaves.append(tree)
        return LEAF
    if isinstance(tree, (tuple, list)):
        children = tuple(_flatten(c, leaves) for c in tree)
        return TreeSpec(type(tree), (), children)
    if isinstance(tree, dict):
        keys = tuple(tree)
        children = tuple(_flatten(tree[k], leaves) for k in keys)
        return TreeSpec(type(tree), keys, children)
    leaves.append(tree)
    return LEAF


def tree_unflatten(spec: TreeSpec, leaves: list) -> Any:
    """Rebuild a nest of spec's structure from `leaves`."""
    if spec is LEAF:
        return leaves[0]
    it = iter(leaves)
    return _unflatten(spec, it)


def _unflatten(spec: TreeSpec, it: Any) -> Any:
    if spec.kind is None:
        return next(it)
    children = [_unflatten(c, it) for c in spec.children]
    if issubclass(spec.kind, dict):
        return spec.kind(zip(spec.keys, children, strict=True))
    if issubclass(spec.kind, tuple) and spec.kind is not tuple:
        return spec.kind(*children)  # a namedtuple
    return spec.kind(children)
