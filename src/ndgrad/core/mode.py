"""Global autodiff state: grad mode, raw mode and forward-mode levels."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    __slots__ = ("grad_enabled", "raw", "inplace_ops", "unrecorded", "untracked_levels")

    def __init__(self) -> None:
        # Record graphs for tensors that require grad?
        self.grad_enabled = True
        # Primitives compute on raw arrays and return raw arrays: the engine
        # sets this while it runs first-order derivative rules.
        self.raw = False
        # How many in-place operations have run: the epoch.  A node remembers
        # the epoch it was recorded in; a later in-place op makes it stale, and
        # only stale nodes are checked at backward.
        self.inplace_ops = 0
        # How many times values that require grad were computed on without a
        # graph being recorded (under no_grad, by a first-order backward, by
        # detach_): a transform that reads derivatives off the recorded graph
        # alone checks that none was.
        self.unrecorded = 0
        # Forward-mode levels whose tangents nothing differentiates (a
        # Jacobian's basis when no transform encloses it): their rules run on
        # raw values and record no graph, though the primals may.
        self.untracked_levels: set[int] = set()

    def graph_marks(self) -> tuple[int, int]:
        """Counters that move when a value changes in place or is computed
        without a graph: the same before and after a call, the graph that
        call recorded tells the whole story of its values."""
        return self.inplace_ops, self.unrecorded


STATE = _State()

_levels = itertools.count(1)


def new_level() -> int:
    """A fresh forward-mode level: tangents of nested jvps never mix."""
    return next(_levels)


class _GradMode:
    """Context manager and decorator that sets grad mode, restoring it after."""

    enabled: bool

    def __enter__(self) -> None:
        self._prev = STATE.grad_enabled
        STATE.grad_enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        STATE.grad_enabled = self._prev

    def __call__(self, fn: F) -> F:
        enabled = self.enabled

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = STATE.grad_enabled
            STATE.grad_enabled = enabled
            try:
                return fn(*args, **kwargs)
            finally:
                STATE.grad_enabled = prev

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):
    """Operations inside record no graph (like `torch.no_grad`)."""

    enabled = False


class enable_grad(_GradMode):
    """Turn recording back on inside a `no_grad` block."""

    enabled = True


class set_grad_enabled(_GradMode):
    """Set grad mode now; as a context manager, restore it on exit."""

    def __init__(self, mode: bool = True) -> None:
        self.enabled = bool(mode)
        self._prev = STATE.grad_enabled
        STATE.grad_enabled = self.enabled

    def __enter__(self) -> None:
        pass

    def __call__(self, fn: F) -> F:
        # Used as a decorator: the mode applies inside calls, not from now on.
        STATE.grad_enabled = self._prev
        return super().__call__(fn)


def is_grad_enabled() -> bool:
    return STATE.grad_enabled


class raw_mode:
    """Run derivative rules on raw arrays (first-order backward)."""

    __slots__ = ("_prev",)

    def __enter__(self) -> None:
        self._prev = STATE.raw
        STATE.raw = True

    def __exit__(self, *exc: object) -> None:
        STATE.raw = self._prev
