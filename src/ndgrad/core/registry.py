"""The primitive registry: every differentiable operation is one row here.

A row names the operation, its forward computation on raw arrays, its reverse
rule (VJP) and its forward rule (JVP), one rule per argument:

    exp = primitive("exp", np.exp,
                    vjp=lambda g, ans, x: g * ans,
                    jvp=lambda t, ans, x: t * ans)

A rule receives the cotangent `g` (or tangent `t`), the output `ans`, every
argument of the call and its keyword parameters.  Rules are written with
ndgrad's own operations, so the same rule runs on raw arrays for a
first-order gradient and on tensors when the gradient must be differentiated
again.  `g` and `t` may carry extra leading batch dimensions (one-pass
Jacobians); rules index from the right to let them ride along.
"""

from __future__ import annotations

import dis
from collections.abc import Callable, Sequence
from typing import Any

from . import graph

Rule = Callable[..., Any]

REGISTRY: dict[str, Primitive] = {}


def _loaded_names(rule: Rule) -> set[str] | None:
    """Local names a rule reads, or None when it takes *args / **kwargs."""
    code = rule.__code__
    if code.co_flags & 0x0C:
        return None
    names = set(code.co_cellvars)
    for ins in dis.get_instructions(rule):
        if ins.opname.startswith("LOAD_FAST") or ins.opname == "LOAD_DEREF":
            val = ins.argval
            names |= set(val) if isinstance(val, tuple) else {val}
    return names


ANS = -1  # stands for the output among the values a rule reads


def _rule_reads(rule: Rule | None, nargs: int) -> frozenset[int]:
    """Which values one rule reads: argument indices, and ANS for the output.

    Found once, from the rule's bytecode, so that version checks look at
    exactly the values a derivative needs.
    """
    if rule is None:
        return frozenset()
    # A rule built from a local derivative `d(ans, *args)` reads what d reads.
    fn = getattr(rule, "derivative", rule)
    skip = 0 if fn is not rule else 1
    names = _loaded_names(fn)
    if names is None:
        return frozenset(range(-1, nargs))
    params = fn.__code__.co_varnames[skip : fn.__code__.co_argcount]
    reads = {i for i, p in enumerate(params[1 : 1 + nargs]) if p in names}
    if params and params[0] in names:
        reads.add(ANS)
    return frozenset(reads)


class Primitive:
    """One differentiable operation: forward on raw arrays plus its rules."""

    __slots__ = (
        "name", "impl", "vjps", "jvps", "broadcasting", "fresh", "rule_reads", "reads_ans", "reads_args", "unread",
        "sweepable",
    )

    def __init__(
        self,
        name: str,
        impl: Callable[..., Any],
        vjps: tuple[Rule | None, ...],
        jvps: tuple[Rule | None, ...],
        broadcasting: bool,
        fresh: bool = False,
    ) -> None:
        self.name = name
        self.impl = impl
        self.vjps = vjps
        self.jvps = jvps
        self.broadcasting = broadcasting
        self.fresh = fresh
        # What each VJP rule reads, and what any of them does.
        self.rule_reads = tuple(_rule_reads(rule, len(vjps)) for rule in vjps)
        every = frozenset().union(*self.rule_reads)
        self.reads_ans = ANS in every
        self.reads_args = tuple(sorted(every - {ANS}))
        # The arguments whose values a node may let go of: no rule reads them,
        # and the output is new memory (so no view of it leads back to them).
        self.unread = tuple(i for i in range(len(vjps)) if i not in self.reads_args) if fresh else ()
        # Can forward mode run over a recorded node (`forward.push_through`)?
        # Only if the JVP rules read no value the node may let go of.
        jvp_reads = frozenset().union(*(_rule_reads(rule, len(jvps)) for rule in jvps))
        self.sweepable = (self.reads_ans or ANS not in jvp_reads) and not jvp_reads & set(self.unread)

    # Applying a primitive is the hot path: `graph.apply` is the call itself.
    __call__ = graph.apply

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


def _as_rules(rule: Rule | Sequence[Rule | None] | None) -> tuple[Rule | None, ...]:
    if rule is None:
        return ()
    return tuple(rule) if isinstance(rule, (tuple, list)) else (rule,)


def primitive(
    name: str,
    impl: Callable[..., Any],
    vjp: Rule | Sequence[Rule | None],
    jvp: Rule | Sequence[Rule | None],
    *,
    broadcasting: bool = False,
    fresh: bool = False,
) -> Primitive:
    """Declare a differentiable primitive and add it to the registry.

    `vjp` and `jvp` hold one rule per positional argument (a single rule for a
    one-argument primitive); `None` marks an argument with no derivative.
    `broadcasting=True` says the arguments broadcast against each other as in
    NumPy's ufuncs: the engine then sums cotangents back to each argument's
    shape, so rules never do it themselves.  `fresh=True` promises that the
    output never shares memory with an argument (true of ufuncs and
    reductions); a node then lets go of a large intermediate argument its VJP
    rules never read, as soon as the caller does.
    """
    vjps, jvps = _as_rules(vjp), _as_rules(jvp)
    if len(vjps) != len(jvps):
        raise ValueError(f"primitive {name!r}: {len(vjps)} VJP rules but {len(jvps)} JVP rules")
    if [r is None for r in vjps] != [r is None for r in jvps]:
        raise ValueError(f"primitive {name!r}: VJP and JVP rules must cover the same arguments")
    if name in REGISTRY:
        raise ValueError(f"a primitive named {name!r} is already registered")
    prim = Primitive(name, impl, vjps, jvps, broadcasting, fresh)
    REGISTRY[name] = prim
    return prim


graph._IDENTITY = primitive(
    "identity",
    lambda x: x,
    vjp=lambda g, ans, x: g,
    jvp=lambda t, ans, x: t,
)
