"""Run the benchmark workloads and write bench/RESULTS.md.

    python bench/run.py                 # full run (a few minutes)
    python bench/run.py --quick         # few rounds, short samples: for checking the set-up
    python bench/run.py --only W1,W3 --out /tmp/partial.md

Every implementation of every case runs in its own single-threaded process;
the processes of a case measure in interleaved rounds (see bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the `bench` package importable
    sys.path.insert(0, str(ROOT))

from bench import machine, report  # noqa: E402
from bench.harness import Impl, Workload, fingerprint_mismatch  # noqa: E402
from bench.peers import benchmark_env, is_installed  # noqa: E402
from bench.results import ERROR, MISSING, WRONG, CaseResult, ImplResult  # noqa: E402
from bench.workloads import all_keys, load  # noqa: E402

IMPORT_TIMEOUT_S = 180
TIMED_ONCE = "timed once"
CALL_TIMEOUT_S = 600  # W6 with MyGrad takes ~10 s a call on a quiet machine; leave room for a busy one


class WorkerTimeout(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    rounds: int
    budget_s: float  # seconds each process measures per round
    clock: str  # "wall" or "cpu"
    cpu: int | None  # the CPU every process is pinned to
    max_call_s: float | None  # a slower second call stands as the only sample


class WorkerProcess:
    """A `bench.worker` subprocess and the JSON lines it sends back."""

    def __init__(self, workload: str, case: str, impl: str, cpu: int | None) -> None:
        env = benchmark_env()
        if cpu is not None:
            env["BENCH_CPU"] = str(cpu)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH")]))
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.worker", workload, case, impl],
            cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
            text=True, bufsize=1,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)  # end of file: the worker exited

    def send(self, **command: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()

    def receive(self, timeout: float) -> dict[str, Any]:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise WorkerTimeout(f"no answer within {timeout:.0f} s") from None
        if line is None:
            return {"event": "error", "message": f"worker exited (code {self.proc.wait()}):\n{self.stderr_tail()}"}
        return json.loads(line)

    def stderr_tail(self, lines: int = 8) -> str:
        self.stderr.seek(0)
        return "\n".join(self.stderr.read().strip().splitlines()[-lines:])

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send(cmd="quit")
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()


def fail(result: ImplResult, status: str, message: str) -> None:
    result.status, result.message = status, message


def start_workers(workload: Workload, case: str, impls: list[Impl], results: dict[str, ImplResult],
                  settings: Settings) -> dict[str, WorkerProcess]:
    """Start every process of a case (their imports overlap), then set each up
    in turn, so that first calls and jit compilation are timed without
    competition from the others."""
    workers = {}
    for impl in impls:
        if is_installed(impl.peer):
            workers[impl.key] = WorkerProcess(workload.key, case, impl.key, settings.cpu)
        else:
            fail(results[impl.key], MISSING, "")
    ready = {}
    for key, worker in workers.items():
        message = set_up(worker, always_second_call=settings.max_call_s is not None)
        if message["event"] != "ready":
            fail(results[key], ERROR, message.get("message", str(message)))
            worker.close()
            continue
        r = results[key]
        r.first_call_s, r.first_call_cpu_s = message["first_call_s"], message["first_call_cpu_s"]
        r.rss_growth_kib, r.versions, r.blas = message["rss_growth_kib"], message["versions"], message["blas"]
        ready[key] = (worker, message)
    return time_slow_once(check_outputs(workload, ready, results), results, settings)


def set_up(worker: WorkerProcess, always_second_call: bool) -> dict[str, Any]:
    """Wait for the worker's imports, then have it set up: its "ready" message or an error."""
    try:
        message = worker.receive(IMPORT_TIMEOUT_S)
        if message["event"] == "imported":
            worker.send(cmd="setup", always_second_call=always_second_call)
            message = worker.receive(CALL_TIMEOUT_S)
    except WorkerTimeout as exc:
        message = {"event": "error", "message": str(exc)}
    return message


def time_slow_once(ready: dict[str, tuple[WorkerProcess, dict]], results: dict[str, ImplResult],
                   settings: Settings) -> dict[str, WorkerProcess]:
    """With --max-call, an implementation whose second call was slower than
    that keeps the second call as its only sample and is not measured again."""
    kept = {}
    for key, (worker, message) in ready.items():
        second_wall = message["second_call_s"]
        if settings.max_call_s is not None and second_wall is not None and second_wall > settings.max_call_s:
            second = second_wall if settings.clock == "wall" else message["second_call_cpu_s"]
            results[key].rounds, results[key].note = [[second]], TIMED_ONCE
            worker.close()
        else:
            kept[key] = worker
    return kept


def check_outputs(workload: Workload, ready: dict[str, tuple[WorkerProcess, dict]],
                  results: dict[str, ImplResult]) -> dict[str, tuple[WorkerProcess, dict]]:
    """Drop implementations whose outputs differ from the reference's."""
    if workload.reference not in ready:
        return ready
    expected = ready[workload.reference][1]["fingerprint"]
    kept = {}
    for key, (worker, message) in ready.items():
        mismatch = fingerprint_mismatch(message["fingerprint"], expected, workload.rtol)
        if mismatch:
            fail(results[key], WRONG, mismatch)
            worker.close()
        else:
            kept[key] = (worker, message)
    return kept


def measure_rounds(workers: dict[str, WorkerProcess], results: dict[str, ImplResult], rounds: int,
                   budget_s: float, clock: str) -> None:
    """Each round, every process measures for about `budget_s` in turn; the
    starting process rotates from round to round."""
    for round_index in range(rounds):
        keys = list(workers)
        shift = round_index % max(1, len(keys))
        for key in keys[shift:] + keys[:shift]:
            worker = workers.get(key)
            if worker is None:
                continue
            try:
                worker.send(cmd="measure", budget_s=budget_s)
                message = worker.receive(CALL_TIMEOUT_S + budget_s)
            except (WorkerTimeout, OSError) as exc:
                message = {"event": "error", "message": str(exc)}
            if message["event"] != "samples":
                fail(results[key], ERROR, message.get("message", str(message)))
                workers.pop(key).close()
                continue
            other = "cpu" if clock == "wall" else "wall"
            results[key].rounds.append(message[clock])
            results[key].other_clock_rounds.append(message[other])
        print(".", end="", flush=True)


def run_case(workload: Workload, case: str, impls: list[Impl], settings: Settings) -> CaseResult:
    results = {i.key: ImplResult(i.key, i.label, i.peer, i.note) for i in impls}
    workers: dict[str, WorkerProcess] = {}
    rounds = min(settings.rounds, workload.max_rounds or settings.rounds)
    try:
        workers = start_workers(workload, case, impls, results, settings)
        measure_rounds(workers, results, rounds, settings.budget_s, settings.clock)
    finally:
        for worker in workers.values():
            worker.close()
    return CaseResult(workload, case, [results[i.key] for i in impls])


def select_impls(workload: Workload, peers: set[str] | None) -> list[Impl]:
    """The implementations to run; the reference always runs (ratios need it)."""
    return [i for i in workload.impls if peers is None or i.peer in peers or i.key == workload.reference]


def collect_meta(results: list[CaseResult]) -> dict[str, Any]:
    import numpy

    meta = machine.describe()
    versions = {"python": meta["python"], "numpy": numpy.__version__}
    blas: dict[str, list] = {}
    for result in results:
        for r in result.impls:
            versions.update(r.versions)
            if r.blas and r.peer in ("numpy", "torch") and r.peer not in blas:
                blas[r.peer] = r.blas
    meta["versions"], meta["blas"] = versions, blas
    return meta


def choose_cpu(requested: int | None) -> int | None:
    """One CPU for all benchmark processes (they take turns, so they never compete)."""
    if requested == -1 or not hasattr(os, "sched_getaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    if requested is None:
        return allowed[-1]
    if requested not in allowed:
        raise SystemExit(f"--cpu {requested}: this process may use CPUs {allowed}")
    return requested


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark ndgrad against NumPy by hand and its peers.")
    parser.add_argument("--quick", action="store_true", help="2 rounds of short samples (checks the set-up)")
    parser.add_argument("--only", help="comma-separated workloads, e.g. W1,W3 (default: all)")
    parser.add_argument("--peers", help="comma-separated peers to run besides the reference, e.g. ndgrad,torch")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 5; 2 with --quick)")
    parser.add_argument("--budget", type=float, help="seconds each process measures per round (default 0.3)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "RESULTS.md"), help="markdown report to write")
    parser.add_argument("--json", help="also write the raw samples here")
    parser.add_argument("--render", metavar="JSON", help="run nothing: write the report from a --json file")
    parser.add_argument("--cpu", type=int, help="CPU to pin every benchmark process to (default: the last one "
                        "this process may use); -1 leaves them unpinned")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="time to report: wall clock (default) or the process's CPU time, steadier on a "
                        "shared machine since it leaves out time the process waited for the CPU")
    parser.add_argument("--max-call", type=float, help="an implementation whose second call takes longer (seconds) "
                        "is not timed again: that call is its only sample (default: 2 with --quick, else off)")
    parser.add_argument("--list", action="store_true", help="list workloads and implementations, then exit")
    return parser.parse_args(argv)


def list_workloads() -> None:
    for key in all_keys():
        w = load(key)
        print(f"{key}: {w.title}\n  cases: {', '.join(w.cases)}")
        for impl in w.impls:
            print(f"  {impl.key:<20} {impl.label} [{impl.peer}{'' if is_installed(impl.peer) else ', not installed'}]")


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings(
        rounds=args.rounds or (2 if args.quick else 5),
        budget_s=args.budget or (0.1 if args.quick else 0.3),
        clock=args.clock,
        cpu=choose_cpu(args.cpu),
        max_call_s=args.max_call if args.max_call is not None else (2.0 if args.quick else None),
    )


def describe_settings(settings: Settings, elapsed_s: float) -> str:
    parts = [
        "wall-clock time" if settings.clock == "wall" else "CPU time of each process",
        f"{settings.rounds} rounds, {settings.budget_s:g} s per process per round",
        f"every process pinned to CPU {settings.cpu}" if settings.cpu is not None else "processes not pinned",
    ]
    if settings.max_call_s is not None:
        parts.append(f"implementations slower than {settings.max_call_s:g} s a call {TIMED_ONCE}")
    return "; ".join(parts + [f"run took {elapsed_s:.0f} s"])


def save_raw(path: str, results: list[CaseResult], header: dict[str, Any]) -> None:
    cases = [{"workload": r.workload.key, "case": r.case, "impls": [asdict(i) for i in r.impls]} for r in results]
    Path(path).write_text(json.dumps({**header, "cases": cases}, indent=1))


def load_raw(path: str) -> tuple[list[CaseResult], dict[str, Any]]:
    """Results saved with --json, to render the report again (--render)."""
    raw = json.loads(Path(path).read_text())
    results = [
        CaseResult(load(case["workload"]), case["case"], [ImplResult(**impl) for impl in case["impls"]])
        for case in raw.pop("cases")
    ]
    return results, raw


def run_all(args: argparse.Namespace, argv: list[str]) -> tuple[list[CaseResult], dict[str, Any]]:
    """Run the selected workloads; the results and what the report header needs."""
    settings = settings_from(args)
    keys = args.only.split(",") if args.only else all_keys()
    peers = set(args.peers.split(",")) if args.peers else None
    started = time.perf_counter()
    results = []
    for key in keys:
        workload = load(key.strip().upper())
        for case in workload.cases:
            print(f"{workload.key} {case} ", end="", flush=True)
            case_started = time.perf_counter()
            results.append(run_case(workload, case, select_impls(workload, peers), settings))
            print(f" {time.perf_counter() - case_started:.0f} s")
    header = {
        "meta": collect_meta(results),
        "command": shlex.join(["python", os.path.relpath(sys.argv[0], ROOT), *argv]),
        "quick": args.quick,
        "settings": describe_settings(settings, time.perf_counter() - started),
    }
    return results, header


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.list:
        list_workloads()
        return 0
    results, header = load_raw(args.render) if args.render else run_all(args, argv)
    Path(args.out).write_text(report.render(results, header["meta"], header["command"], header["quick"],
                                            header["settings"]))
    if args.json:
        save_raw(args.json, results, header)
    print("\n".join(report.summary_rows(results)))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
