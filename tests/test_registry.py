"""Every registered primitive is gradchecked, in both modes, on several shapes."""

import numpy as np
import pytest

import ndgrad as nd
from ndgrad.gradcheck import gradcheck

from .registry_cases import all_cases

CASES = all_cases()


def test_every_primitive_has_cases():
    missing = sorted(set(nd.REGISTRY) - set(CASES))
    assert not missing, f"primitives without gradcheck cases in tests/registry_cases: {missing}"


def test_every_primitive_has_both_rules():
    for name, prim in nd.REGISTRY.items():
        assert prim.vjps and prim.jvps, name
        assert [r is None for r in prim.vjps] == [r is None for r in prim.jvps], name


def test_every_primitive_can_be_pushed_through_a_recorded_graph():
    # Forward mode over a Hessian's tape needs every value a JVP rule reads kept by the node.
    assert [name for name, prim in nd.REGISTRY.items() if not prim.sweepable] == []


PARAMS = [(name, i, c) for name, cases in sorted(CASES.items()) for i, c in enumerate(cases)]


@pytest.mark.parametrize("name,i,case", PARAMS, ids=[f"{n}-{i}" for n, i, _ in PARAMS])
def test_gradcheck(name, i, case):
    assert name in nd.REGISTRY, f"cases for unknown primitive {name!r}"
    assert gradcheck(case.fn, *case.inputs)


@pytest.mark.parametrize("name,i,case", PARAMS, ids=[f"{n}-{i}" for n, i, _ in PARAMS])
def test_float32_stays_float32(name, i, case):
    inputs = [nd.tensor(x.astype(np.float32), requires_grad=True) if x.dtype == np.float64 else nd.tensor(x)
              for x in case.inputs]
    out = case.fn(*inputs)
    outs = out if isinstance(out, (tuple, list)) else [out]
    for o in outs:
        if np.issubdtype(o.dtype, np.floating):
            assert o.dtype == np.float32, f"{name}: float32 inputs gave {o.dtype}"
    total = sum((o.astype(np.float32) * 1.0).sum() for o in outs if o.requires_grad)
    if isinstance(total, nd.Tensor):
        total.backward()
        for x in inputs:
            if x.requires_grad and x.grad is not None:
                assert x.grad.dtype == np.float32


FRESH = [(name, i, c) for name, i, c in PARAMS if nd.REGISTRY[name].unread]


@pytest.mark.parametrize("name,i,case", FRESH, ids=[f"{n}-{i}" for n, i, _ in FRESH])
def test_primitives_that_drop_arguments_never_return_a_view_of_them(name, i, case, monkeypatch):
    # A node lets go of such an argument, so no view of the output may lead back to it.
    prim, calls = nd.REGISTRY[name], []
    impl = prim.impl

    def spy(*args, **params):
        out = impl(*args, **params)
        calls.append((args, out))
        return out

    monkeypatch.setattr(prim, "impl", spy)
    case.fn(*[nd.tensor(x) for x in case.inputs])
    assert calls, f"the case of {name} never calls it"
    for args, out in calls:
        for arg in args:
            if isinstance(arg, np.ndarray):
                assert not np.shares_memory(np.asarray(out), arg), name
