"""Importing peers the same way in every workload: one thread, float64 on.

Each function imports on first call, so a workload module that merely names
them imports without the peer installed.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

# What a benchmark subprocess runs with: one thread for every BLAS/OpenMP
# runtime, and XLA's CPU client kept to one thread as well.
SINGLE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    "JAX_PLATFORMS": "cpu",
    "TF_CPP_MIN_LOG_LEVEL": "2",
}

# Set on some processors to pick an older OpenBLAS kernel; they slow current
# NumPy, so benchmark subprocesses run without them (both together).
BLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

PEER_MODULES = {
    "numpy": "numpy",
    "ndgrad": "ndgrad",
    "torch": "torch",
    "jax": "jax",
    "autograd": "autograd",
    "mygrad": "mygrad",
}


def benchmark_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a benchmark subprocess."""
    env = dict(os.environ if base is None else base)
    for name in BLAS_OVERRIDES:
        env.pop(name, None)
    env.update(SINGLE_THREAD_ENV)
    return env


def is_installed(peer: str) -> bool:
    return importlib.util.find_spec(PEER_MODULES[peer]) is not None


def torch() -> Any:
    """PyTorch on one thread."""
    import torch as _torch

    _torch.set_num_threads(1)
    try:
        _torch.set_num_interop_threads(1)
    except RuntimeError:  # only allowed once, before any parallel work
        pass
    return _torch


def jax() -> Any:
    """JAX on the CPU with float64 enabled (the workloads are float64)."""
    import jax as _jax

    _jax.config.update("jax_enable_x64", True)
    _jax.config.update("jax_platforms", "cpu")
    return _jax


def jnp() -> Any:
    jax()
    import jax.numpy as _jnp

    return _jnp
