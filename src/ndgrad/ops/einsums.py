"""einsum in all its forms, on one primitive.

`einsum_p` contracts one or two operands whose subscripts are plain letters
(no ellipsis, no broadcasting: the public `einsum` resolves those into
letters first).  More operands are contracted pairwise along NumPy's greedy
path, so a backward pass costs two contractions per pair.  Errors point a
caret at the subscript that is wrong.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Sequence
from typing import Any

from ..backend import xp
from ..core import primitive
from ..core.errors import EinsumError
from .products import _show
from .reduce import _as_operand
from .shape import broadcast_to, reshape_p

__all__ = ["einsum"]


# ------------------------------------------------------------------- einsum

LETTERS = string.ascii_lowercase + string.ascii_uppercase
# Above this many operand-element pairs, NumPy's optimized einsum (BLAS via
# tensordot) beats its plain C loop despite ~20 us of path planning.
_BLAS_WORTH = 1 << 20


def _einsum_impl(a, b, spec):
    if b is None:
        return xp.einsum(spec, a)
    return xp.einsum(spec, a, b, optimize=a.size * b.size > _BLAS_WORTH)


def _split(spec: str) -> tuple[list[str], str]:
    inputs, out = spec.split("->")
    return inputs.split(","), out


@functools.lru_cache(maxsize=1024)  # rules ask again for every backward through the same spec
def _fresh(used: str, n: int) -> str:
    """`n` letters that do not occur in `used` (for batch and helper axes)."""
    free = [c for c in LETTERS if c not in used]
    if n > len(free):
        raise EinsumError(f"einsum: needs {n} more subscript letters than the 52 available")
    return "".join(free[:n])


def _einsum_vjp(k: int) -> Any:
    def rule(g, ans, a, b, spec):
        ins, out = _split(spec)
        nb = g.ndim - len(out)
        batch = _fresh(spec, nb)
        operands, subs = [g], [batch + out]
        if b is not None:
            operands.append(b if k == 0 else a)
            subs.append(ins[1 - k])
        return _embed(operands, subs, ins[k], (a if k == 0 else b).shape, g.shape[:nb], batch, g.dtype)

    return rule


def _einsum_jvp(k: int) -> Any:
    def rule(t, ans, a, b, spec):
        ins, out = _split(spec)
        nb = t.ndim - len(ins[k])
        batch = _fresh(spec, nb)
        subs = list(ins)
        subs[k] = batch + subs[k]
        operands = [t, b] if k == 0 else [a, t]
        if b is None:
            operands, subs = operands[:1], subs[:1]
        return contract(operands, subs, batch + out)

    return rule


def _embed(
    operands: list, subs: list[str], target: str, shape: tuple, batch_shape: tuple, batch: str, dtype: Any
) -> Any:
    """The einsum of `operands` laid out as an operand with subscripts
    `target` (plus the batch axes in front).

    A letter repeated in `target` names a diagonal: its later occurrences get
    new letters tied to the first by identity matrices.  A letter no operand
    has (it was summed away) is broadcast back: the cotangent is constant
    along it.
    """
    diagonals, letters, present = _layout(tuple(subs), target, batch)
    operands = [*operands, *(xp.eye(shape[i], dtype=dtype) for i, _ in diagonals)]
    subs = [*subs, *(tie for _, tie in diagonals)]
    out = contract(operands, subs, batch + present)
    if len(present) == len(letters):
        return out
    kept = tuple(size if c in present else 1 for c, size in zip(letters, shape, strict=True))
    return broadcast_to(reshape_p(out, batch_shape + kept), batch_shape + tuple(shape))


@functools.lru_cache(maxsize=1024)  # the same for every backward through one spec
def _layout(subs: tuple[str, ...], target: str, batch: str) -> tuple[tuple[tuple[int, str], ...], str, str]:
    """`_embed`'s letters: for each later occurrence of a repeated letter,
    its position in `target` and the subscripts of the identity matrix that
    ties it to the first; `target` so renamed; and those of its letters that
    some operand (identities included) has."""
    extra = iter(_fresh("".join(subs) + target + batch, len(target) - len(set(target))))
    diagonals, letters, seen = [], [], set()
    for i, letter in enumerate(target):
        if letter in seen:
            renamed = next(extra)
            diagonals.append((i, letter + renamed))
            letter = renamed
        seen.add(letter)
        letters.append(letter)
    have = set("".join(subs)).union(*(tie for _, tie in diagonals))
    return tuple(diagonals), "".join(letters), "".join(c for c in letters if c in have)


einsum_p = primitive(
    "einsum", _einsum_impl,
    vjp=(_einsum_vjp(0), _einsum_vjp(1)),
    jvp=(_einsum_jvp(0), _einsum_jvp(1)),
)


def contract(operands: Sequence[Any], subs: Sequence[str], out: str) -> Any:
    """Einsum over resolved subscripts (letters only, sizes consistent),
    contracting more than two operands pairwise along NumPy's greedy path."""
    if len(operands) <= 2:
        return _contract_few(operands, subs, out)
    pending, labels = list(operands), list(subs)
    for step in _greedy_path(tuple(labels), out, tuple(tuple(x.shape) for x in pending)):
        chosen = [(pending.pop(i), labels.pop(i)) for i in sorted(step, reverse=True)][::-1]
        # A step may name more than two operands (products with nothing to
        # sum): contract them two at a time, left to right.
        while chosen:
            group, chosen = chosen[:2], chosen[2:]
            needed = "".join(labels) + "".join(s for _, s in chosen) + out
            if labels or chosen:
                keep = "".join(dict.fromkeys(c for _, s in group for c in s if c in needed))
            else:
                keep = out
            result = _contract_few([x for x, _ in group], [s for _, s in group], keep)
            if chosen:
                chosen.insert(0, (result, keep))
            else:
                pending.append(result)
                labels.append(keep)
    return pending[0]


def _contract_few(operands: Sequence[Any], subs: Sequence[str], out: str) -> Any:
    if len(operands) == 1:
        return einsum_p(operands[0], None, spec=f"{subs[0]}->{out}")
    return einsum_p(operands[0], operands[1], spec=f"{subs[0]},{subs[1]}->{out}")


@functools.lru_cache(maxsize=256)
def _greedy_path(subs: tuple[str, ...], out: str, shapes: tuple[tuple, ...]) -> list[tuple]:
    # einsum_path reads only shapes: stand-ins broadcast from one zero cost nothing.
    dummies = [xp.broadcast_to(xp.zeros(()), shape) for shape in shapes]
    path, _ = xp.einsum_path(f"{','.join(subs)}->{out}", *dummies, optimize="greedy")
    return path[1:]


# ------------------------------------------------------------ einsum parsing


class _Operand:
    """One operand's subscripts as parsed: letters with their positions in
    the spec, and where its '...' stands (None if it has none)."""

    __slots__ = ("letters", "positions", "ellipsis", "ellipsis_at", "end")

    def __init__(self) -> None:
        self.letters: list[str] = []
        self.positions: list[int] = []
        self.ellipsis: int | None = None  # how many letters come before the '...'
        self.ellipsis_at = 0  # where the '...' starts in the spec
        self.end = 0  # where the group ends in the spec


def _error(spec: str, message: str, positions: Sequence[int], fix: str = "") -> EinsumError:
    """An EinsumError that shows the spec with a caret under the culprit."""
    marks = set(positions)
    caret = "".join("^" if i in marks else " " for i in range(max(marks, default=-1) + 1))
    text = f"einsum: {message}\n    {spec}\n    {caret}"
    return EinsumError(text + (f"\n{fix}" if fix else ""))


def _tokenize(spec: str, start: int, end: int, separators: str) -> list[_Operand]:
    """The subscript groups of spec[start:end], split at `separators`."""
    groups = [_Operand()]
    i = start
    while i < end:
        c = spec[i]
        if c in separators:
            groups[-1].end = i
            groups.append(_Operand())
        elif c in LETTERS:
            groups[-1].letters.append(c)
            groups[-1].positions.append(i)
        elif c == "." and spec[i : i + 3] == "..." and i + 3 <= end:
            if groups[-1].ellipsis is not None:
                raise _error(spec, "a subscript group can hold only one '...'", [i, i + 1, i + 2])
            groups[-1].ellipsis = len(groups[-1].letters)
            groups[-1].ellipsis_at = i
            i += 2
        elif c == ".":
            raise _error(spec, "a '.' must be part of an ellipsis '...'", [i])
        elif c in "->":
            raise _error(spec, f"stray {c!r}: the output subscripts follow one '->'", [i])
        elif c == ",":
            raise _error(spec, "the output is one group of subscripts; it has no ','", [i])
        elif not c.isspace():
            raise _error(spec, f"{c!r} is not a subscript; subscripts are the letters a-z and A-Z", [i])
        i += 1
    groups[-1].end = end
    return groups


def _parse(spec: str, n_operands: int) -> tuple[list[_Operand], _Operand | None]:
    arrows = [i for i in range(len(spec)) if spec.startswith("->", i)]
    if len(arrows) > 1:
        raise _error(spec, "more than one '->'", [arrows[1], arrows[1] + 1])
    inputs_end = arrows[0] if arrows else len(spec)
    groups = _tokenize(spec, 0, inputs_end, ",")
    output = _tokenize(spec, arrows[0] + 2, len(spec), "")[0] if arrows else None
    if len(groups) != n_operands:
        raise _error(
            spec,
            f"the subscripts name {len(groups)} operand(s) but {n_operands} {'was' if n_operands == 1 else 'were'} "
            "given",
            range(inputs_end), "Fix: one comma-separated group of subscripts per operand.",
        )
    return groups, output


def _check_ranks(spec: str, groups: list[_Operand], shapes: list[tuple]) -> None:
    for k, (group, shape) in enumerate(zip(groups, shapes, strict=True)):
        named = len(group.letters)
        if named == len(shape) or (group.ellipsis is not None and named < len(shape)):
            continue
        span = group.positions or [group.end]
        raise _error(
            spec,
            f"operand {k} has {len(shape)} dimension(s) (shape {_show(shape)}) but its subscripts "
            f"{''.join(group.letters)!r} name {named}",
            range(span[0], span[-1] + 1),
            "Fix: one letter per dimension, or '...' for the leading ones.",
        )


def _check_output(spec: str, groups: list[_Operand], output: _Operand) -> None:
    inputs = {c for g in groups for c in g.letters}
    seen: set[str] = set()
    for c, pos in zip(output.letters, output.positions, strict=True):
        if c not in inputs:
            raise _error(spec, f"output subscript {c!r} appears in no operand", [pos])
        if c in seen:
            raise _error(spec, f"output subscript {c!r} is repeated; an output dimension is named once", [pos])
        seen.add(c)


def _ellipsis_dims(spec: str, groups: list[_Operand], shapes: list[tuple]) -> tuple:
    """The broadcast shape of all operands' '...' dimensions."""
    parts = [shape[g.ellipsis : g.ellipsis + len(shape) - len(g.letters)] if g.ellipsis is not None else ()
             for g, shape in zip(groups, shapes, strict=True)]
    try:
        return tuple(xp.broadcast_shapes(*parts))
    except ValueError:
        marks = [g.ellipsis_at + d for g in groups if g.ellipsis is not None for d in range(3)]
        raise _error(
            spec, f"the '...' dimensions {', '.join(map(_show, parts))} do not broadcast",
            marks,
            "Fix: aligned from the right, the '...' dimensions must be equal or 1.",
        ) from None


def _letter_sizes(spec: str, groups: list[_Operand], shapes: list[tuple]) -> dict[str, int]:
    """Each letter's size; a size 1 broadcasts against any other size."""
    sizes: dict[str, tuple[int, int, int]] = {}  # letter -> (size, operand, position)
    for k, (group, shape) in enumerate(zip(groups, shapes, strict=True)):
        dims = _named_dims(group, shape)
        local: dict[str, int] = {}
        for c, pos, size in zip(group.letters, group.positions, dims, strict=True):
            if c in local and local[c] != size:
                raise _error(
                    spec, f"subscript {c!r} repeats in operand {k} (shape {_show(shape)}), taking its diagonal, "
                    f"but names dimensions of sizes {local[c]} and {size}", [pos],
                    "Fix: a diagonal needs a square pair of dimensions.",
                )
            local[c] = size
            known = sizes.get(c)
            if known is None or known[0] == 1:
                sizes[c] = (size, k, pos)
            elif size not in (1, known[0]):
                raise _error(
                    spec, f"subscript {c!r} has size {known[0]} in operand {known[1]} (shape "
                    f"{_show(shapes[known[1]])}) but size {size} in operand {k} (shape {_show(shape)})",
                    [known[2], pos],
                    "Fix: the dimensions a subscript names must have the same size (or size 1, which broadcasts).",
                )
    return {c: s for c, (s, _, _) in sizes.items()}


def _named_dims(group: _Operand, shape: tuple) -> tuple:
    """The sizes of the dimensions that `group`'s letters name."""
    if group.ellipsis is None:
        return tuple(shape)
    after = len(group.letters) - group.ellipsis
    return tuple(shape[: group.ellipsis]) + (tuple(shape[len(shape) - after :]) if after else ())


@functools.lru_cache(maxsize=512)
def _resolve(spec: str, shapes: tuple[tuple, ...]) -> tuple[tuple[str, ...], str]:
    """Subscripts with every dimension named by a letter of its own size.

    '...' becomes letters shared from the right across operands.  A size-1
    dimension that broadcasts against a larger one gets a letter of its own,
    summed away (a sum over one element), so the contraction itself never
    broadcasts and its rules need no special case.
    """
    shapes = list(shapes)
    groups, output = _parse(spec, len(shapes))
    _check_ranks(spec, groups, shapes)
    if output is not None:
        _check_output(spec, groups, output)
    ell_shape = _ellipsis_dims(spec, groups, shapes)
    sizes = _letter_sizes(spec, groups, shapes)
    spare = iter(c for c in LETTERS if c not in spec)

    def fresh() -> str:
        letter = next(spare, None)
        if letter is None:
            raise EinsumError(f"einsum: {spec!r} needs more than the 52 subscript letters a-z, A-Z")
        return letter

    ell_letters = "".join(fresh() for _ in ell_shape)
    for c, s in zip(ell_letters, ell_shape, strict=True):
        sizes[c] = s

    subs = []
    for group, shape in zip(groups, shapes, strict=True):
        letters = list(group.letters)
        if group.ellipsis is not None:
            n_ell = len(shape) - len(letters)
            letters[group.ellipsis : group.ellipsis] = ell_letters[len(ell_letters) - n_ell :]
        subs.append("".join(fresh() if d == 1 and sizes[c] != 1 else c for c, d in zip(letters, shape, strict=True)))
    return tuple(subs), _output_letters(spec, groups, output, ell_letters)


def _output_letters(spec: str, groups: list[_Operand], output: _Operand | None, ell_letters: str) -> str:
    if output is None:
        # Implicit mode: '...' first, then the letters used once, sorted.
        counts: dict[str, int] = {}
        for g in groups:
            for c in g.letters:
                counts[c] = counts.get(c, 0) + 1
        return ell_letters + "".join(sorted(c for c, n in counts.items() if n == 1))
    if output.ellipsis is None:
        if ell_letters:
            raise _error(
                spec, "the operands have '...' dimensions but the output does not say where they go",
                [spec.index("->"), spec.index("->") + 1],
                "Fix: put '...' in the output (e.g. '...ij->...i'), or name those dimensions with letters.",
            )
        return "".join(output.letters)
    letters = list(output.letters)
    letters[output.ellipsis : output.ellipsis] = ell_letters
    return "".join(letters)


def _interleaved(args: tuple) -> tuple[str, list]:
    """NumPy's other calling form, einsum(a, [0, 1], b, [1, 2], [0, 2]), as a
    subscripts string (integers 0..51 stand for a..z, A..Z) and operands."""

    def letters(sublist: Any) -> str:
        return "".join("..." if s is Ellipsis else LETTERS[int(s)] for s in sublist)

    has_output = len(args) % 2 == 1
    pairs = args[:-1] if has_output else args
    spec = ",".join(letters(sub) for sub in pairs[1::2])
    if has_output:
        spec += "->" + letters(args[-1])
    return spec, list(pairs[0::2])


def einsum(subscripts: Any, *operands: Any, optimize: Any = True) -> Any:
    """Einstein summation, with NumPy's notation and results.

    'ij,jk->ik' (explicit output), 'ij,jk' (implicit: the letters used once,
    sorted), '...ij,...jk->...ik' (broadcast leading dimensions), 'ii->i' and
    'ii' (diagonal, trace), any number of operands; spaces are ignored.  The
    interleaved form einsum(a, [0, 1], b, [1, 2], [0, 2]) works too.
    Contractions are planned with NumPy's greedy path whatever `optimize` says.
    Errors point at the offending subscript.
    """
    if not isinstance(subscripts, str):
        subscripts, ops = _interleaved((subscripts, *operands))
    else:
        ops = list(operands)
    if not ops:
        raise EinsumError("einsum: no operands given; pass the tensors after the subscripts")
    ops = [_as_operand(x) for x in ops]
    # Parsed once per spec and shapes: a training loop pays for it once.
    subs, out = _resolve(subscripts, tuple(tuple(x.shape) for x in ops))
    return contract(ops, subs, out)
