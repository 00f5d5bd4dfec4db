"""One benchmark process: one implementation of one workload case.

    python -m bench.worker W3 "n=1000" jax.jit.jacrev

The runner talks to it with one JSON object per line.  The worker imports
its peer and says {"event": "imported"}; on {"cmd": "setup"} it builds the
inputs, makes the first call (timed apart: compile time, memory) and a second
one (calibration), and answers "ready" with a fingerprint of the outputs; each {"cmd": "measure"} then runs
samples for about `budget_s` seconds and answers their per-call times;
{"cmd": "quit"} ends it.  Library output goes to stderr so that stdout
carries only the protocol.
"""

from __future__ import annotations

import gc
import importlib
import json
import math
import os
import re
import resource
import sys
import time
import traceback
from typing import Any, TextIO

from .harness import Impl, Step, Workload, fingerprint
from .workloads import load

# A sample times `number` calls together so that one sample lasts at least this
# long: short calls are timed in bulk, long ones one by one.
MIN_SAMPLE_S = 0.005
# A first call slower than this is not repeated for calibration (W6 takes seconds).
SLOW_CALL_S = 0.5


def read_kib(field: str) -> int | None:
    """A memory figure (VmRSS, VmHWM) of this process in KiB, from /proc."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak_rss() -> bool:
    """Reset the kernel's high-water mark of resident memory (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def first_call(step: Step) -> tuple[Any, float, float, int | None]:
    """Run `step` once: its outputs, its wall and CPU times, and how far
    resident memory rose above the level before the call (KiB)."""
    gc.collect()
    exact = reset_peak_rss()
    before = read_kib("VmRSS") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu_start, start = time.process_time(), time.perf_counter()
    outputs = step()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    after = read_kib("VmHWM") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    growth = None if before is None or after is None else max(0, after - before)
    return outputs, elapsed, cpu, growth


def blas_info(peer: str) -> list[dict[str, Any]]:
    """The BLAS libraries this process uses, with their kernels and threads."""
    if peer == "torch":
        return torch_blas()
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return numpy_build_blas()
    keys = ("user_api", "internal_api", "version", "architecture", "num_threads")
    return [{k: lib.get(k) for k in keys} for lib in threadpool_info() if lib.get("user_api") == "blas"]


def torch_blas() -> list[dict[str, Any]]:
    """PyTorch links its own BLAS, invisible to threadpoolctl: ask torch."""
    import torch

    config = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=(\w+)", config)
    mkl = re.search(r"Math Kernel Library Version ([\w.]+)", config)
    return [{"user_api": "blas", "internal_api": blas.group(1) if blas else "?", "version": mkl.group(1) if mkl else "",
             "architecture": torch.backends.cpu.get_cpu_capability(), "num_threads": torch.get_num_threads()}]


def numpy_build_blas() -> list[dict[str, Any]]:
    """Without threadpoolctl: the BLAS NumPy was built against (not the run-time kernel)."""
    import numpy as np

    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return [{"user_api": "blas", "internal_api": blas.get("name"), "version": blas.get("version"),
                 "architecture": "unknown (install threadpoolctl)", "num_threads": None}]
    except Exception:  # old NumPy: no dict form; the report says unknown
        return []


def peer_version(peer: str) -> str:
    from importlib import metadata

    if peer == "ndgrad":
        return getattr(importlib.import_module("ndgrad"), "__version__", "?")
    try:
        return metadata.version(peer)
    except metadata.PackageNotFoundError:
        return getattr(importlib.import_module(peer), "__version__", "?")


class Worker:
    def __init__(self, workload: Workload, case_name: str, impl: Impl, out: TextIO) -> None:
        self.workload = workload
        self.case = workload.cases[case_name]
        self.impl = impl
        self.out = out
        self.step: Step | None = None
        self.number = 1

    def send(self, **message: Any) -> None:
        self.out.write(json.dumps(message) + "\n")
        self.out.flush()

    def setup(self, always_second_call: bool) -> None:
        """Build inputs, make the first call, and a second one to calibrate
        samples (skipped for slow calls unless `always_second_call`)."""
        data = self.workload.make_data(**self.case)
        self.step = self.impl.setup(data, **self.case)
        outputs, first, first_cpu, growth = first_call(self.step)
        prints = fingerprint(outputs)
        del outputs
        second = second_cpu = None
        if first < SLOW_CALL_S or always_second_call:
            cpu_start, start = time.process_time(), time.perf_counter()
            self.step()
            second, second_cpu = time.perf_counter() - start, time.process_time() - cpu_start
            self.number = max(1, math.ceil(MIN_SAMPLE_S / max(second, 1e-9)))
        versions = {"python": sys.version.split()[0], self.impl.peer: peer_version(self.impl.peer)}
        if self.impl.peer == "jax":
            versions["jaxlib"] = peer_version("jaxlib")
        self.send(event="ready", first_call_s=first, first_call_cpu_s=first_cpu, second_call_s=second,
                  second_call_cpu_s=second_cpu, number=self.number, fingerprint=prints, rss_growth_kib=growth,
                  blas=blas_info(self.impl.peer), versions=versions)

    def measure(self, budget_s: float) -> None:
        """Samples for about `budget_s` seconds (at least one): seconds per call."""
        assert self.step is not None, "setup first"
        step, number = self.step, self.number
        wall, cpu = [], []
        gc.collect()
        deadline = time.perf_counter() + budget_s
        while True:
            c0, t0 = time.process_time(), time.perf_counter()
            for _ in range(number):
                step()
            t1, c1 = time.perf_counter(), time.process_time()
            wall.append((t1 - t0) / number)
            cpu.append((c1 - c0) / number)
            if t1 >= deadline:
                break
        self.send(event="samples", wall=wall, cpu=cpu)


def protocol_stream() -> TextIO:
    """A private copy of stdout for the protocol; fd 1 then points at stderr,
    so whatever a library prints cannot corrupt the protocol."""
    stream = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return stream


def pin_to_cpu() -> None:
    """Run on the one CPU the runner chose (BENCH_CPU). Thread settings alone do
    not stop XLA from running independent operations on several threads."""
    cpu = os.environ.get("BENCH_CPU")
    if cpu and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(cpu)})  # before any peer import: later threads inherit it


def main(argv: list[str]) -> int:
    key, case_name, impl_key = argv
    pin_to_cpu()
    out = protocol_stream()
    try:
        workload = load(key)
        impl = workload.impl(impl_key)
        importlib.import_module(impl.peer)  # the slow import, done before the runner's setup turn
        worker = Worker(workload, case_name, impl, out)
    except Exception:  # reported to the runner, which shows it in the table
        out.write(json.dumps({"event": "error", "message": traceback.format_exc(limit=3)}) + "\n")
        out.flush()
        return 1
    worker.send(event="imported")
    for line in sys.stdin:
        command = json.loads(line)
        try:
            if command["cmd"] == "setup":
                worker.setup(command.get("always_second_call", False))
            elif command["cmd"] == "measure":
                worker.measure(command["budget_s"])
            elif command["cmd"] == "quit":
                break
        except Exception:
            worker.send(event="error", message=traceback.format_exc(limit=4))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
