#!/usr/bin/python3
"""The grid against Dask distributed and Celery, in one run on this machine.

Runs the same number of tasks through each system and prints rates and ratios:
  throughput  no-op units: potluck verified units/s (one coordinator, two one-core workers,
              quorum 2) against Dask (LocalCluster, 2 processes x 1 thread, client.map +
              gather) and Celery (Redis broker and result backend, 2 prefork processes); each
              system runs --repeat times and the ratios compare the medians;
  efficiency  units that burn a set CPU time: useful kernel CPU time / (cores x wall time),
              next to what bare busy loops at the kernels' priority get of a core in the same
              run: the most any grid could reach on this machine at that moment;
  memory      an idle worker's resident memory (and its CPU use), and the coordinator's while
              it holds a project of a million units.
Everything listens on 127.0.0.1 on ports picked free at start; every process started here is
stopped at the end. A benchmark, not a test: it prints what it measured and asserts nothing.
"""

import argparse
import contextlib
import gc
import os
import pathlib
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

# Every wait in this script is bounded.
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 10
IDLE_CPU_WINDOW_S = 5  # how long an idle worker's CPU time is sampled
SETTLE_TIMEOUT_S = 60  # longest wait for a grid to fall quiet between projects
BUSY_LOOP = "import os\nos.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))\nwhile True:\n    pass\n"


def log(text):
    print(text, flush=True)


def rss_mb(pid, field="VmRSS"):
    """Resident memory of `pid` in MB (VmRSS now, or VmHWM: the peak), from /proc."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"no {field} for process {pid}")


def cpu_seconds(pid):
    """User + system CPU seconds of `pid` and its threads so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def schedstat_ns(task):
    """Nanoseconds a thread has run and has waited runnable for a core, from `task`/schedstat."""
    return tuple(int(x) for x in (task / "schedstat").read_text().split()[:2])


def run_ns(pid):
    """Nanoseconds all of `pid`'s threads have run, from /proc/PID/task/*/schedstat."""
    total = 0
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            total += schedstat_ns(task)[0]
    return total


def kernel_thread_times(pid):
    """Seconds the worker's kernel threads ran and waited runnable for a core, summed, from
    /proc/PID/task/*/schedstat (run ns, wait ns, slices); the threads are named pl-kernel."""
    ran = waited = 0.0
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            if (task / "comm").read_text().strip() != "pl-kernel":
                continue
            run_ns, wait_ns = schedstat_ns(task)
            ran += run_ns / 1e9
            waited += wait_ns / 1e9
    return ran, waited


def busy_loop_shares(cores, seconds):
    """The share of a core each of `cores` bare busy loops gets over `seconds`, run at SCHED_IDLE
    as potluck's kernels are: what the machine's own background leaves to any computation."""
    loops = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(cores)]
    try:
        time.sleep(0.5)  # started and spinning
        if any(proc.poll() is not None for proc in loops):
            raise RuntimeError("a busy loop for the efficiency ceiling exited at start")

        def ran_ns():
            return [schedstat_ns(pathlib.Path(f"/proc/{proc.pid}"))[0] for proc in loops]

        before, started = ran_ns(), time.monotonic()
        time.sleep(seconds)
        after, wall = ran_ns(), time.monotonic() - started
    finally:
        for proc in loops:
            proc.kill()
            proc.wait(STOP_TIMEOUT_S)
    return [(a - b) / 1e9 / wall for a, b in zip(after, before)]


def load_average():
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min)"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc):
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(STOP_TIMEOUT_S)


class PotluckGrid:
    """A coordinator and `workers` one-core workers on 127.0.0.1, in a folder of their own."""

    def __init__(self, bin_dir, work, workers=2, log_level="info", holders=3):
        self.bin = pathlib.Path(bin_dir)
        self.holders = holders
        self.work = pathlib.Path(work)
        self.procs = []
        coord_dir = self.work / "coordinator"
        coord_dir.mkdir(parents=True)
        self.coordinator = self._start("coordinator", [
            self.bin / "potluck-coordinator", "--listen", "tcp://127.0.0.1:0", "--data", coord_dir,
            "--log-level", log_level])
        self.endpoint = self._read_endpoint(coord_dir / "endpoint")
        self.workers = []
        for i in range(workers):
            d = self.work / f"worker-{i}"
            d.mkdir()
            self.workers.append(self._start(f"worker-{i}", [
                self.bin / "potluck-worker", "--join", self.endpoint, "--data", d, "--cores", "1",
                "--listen", "tcp://127.0.0.1:0", "--log-level", log_level]))
        for i in range(workers):
            self._read_endpoint(self.work / f"worker-{i}" / "endpoint")

    def _start(self, name, argv):
        out = open(self.work / f"{name}.log", "w")
        proc = subprocess.Popen([str(a) for a in argv], stdout=out, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def _read_endpoint(self, path):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if path.exists():
                text = path.read_text().strip()
                if re.fullmatch(r"tcp://[^:]+:\d+#[0-9a-f]{64}", text):
                    return text
            for proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"a potluck process exited early; logs in {self.work}")
            time.sleep(0.05)
        raise RuntimeError(f"no endpoint in {path} within {START_TIMEOUT_S} s")

    def cli(self, *args, timeout=START_TIMEOUT_S):
        out = subprocess.run([str(self.bin / "potluck"), *args, "--to", self.endpoint], capture_output=True,
                             text=True, timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"potluck {args[0]} failed: {out.stderr.strip()}")
        return out.stdout.strip()

    def submit(self, units, ms):
        # The answer waits until a second holder has the project (a few seconds at most).
        return self.cli("submit", "--workload", "spin", "--param", f"ms={ms}", "--units", str(units),
                        "--quorum", "2", "--holders", str(self.holders), "--any-network", "--answer-timeout", str(START_TIMEOUT_S))

    def wait(self, project, timeout_s):
        self.cli("wait", project, "--timeout", str(timeout_s), timeout=timeout_s + 30)

    def completed_at(self, project):
        """Wall-clock time of the coordinator's 'project ... complete' line (local time, ms)."""
        pattern = re.compile(r"^(\S+ \S+) \S+ project " + project[:8] + r"\S* complete")
        for line in open(self.work / "coordinator.log"):
            m = pattern.match(line)
            if m:
                return time.mktime(time.strptime(m.group(1)[:19], "%Y-%m-%d %H:%M:%S")) + \
                    int(m.group(1)[20:23]) / 1000.0
        raise RuntimeError("the coordinator did not log the project complete")

    def run(self, units, ms, timeout_s):
        """Seconds from submit to the coordinator holding every unit verified. Also keeps, in
        self.kernels, what each worker's kernel threads did in that time: (ran, waited for a
        core, had no work) in seconds, so a slow run tells the machine's load (waiting) from
        the grid's own gaps (no work)."""
        self.settle()
        before = [kernel_thread_times(w.pid) for w in self.workers]
        cpu_before = sum(cpu_seconds(p.pid) for p in self.procs)
        started = time.time()
        project = self.submit(units, ms)
        self.wait(project, timeout_s)
        wall = self.completed_at(project) - started
        after = [kernel_thread_times(w.pid) for w in self.workers]
        # CPU the grid's processes used besides their kernels: the event loops' cost.
        self.overhead_cpu = sum(cpu_seconds(p.pid) for p in self.procs) - cpu_before - \
            sum(r1 - r0 for (r0, _), (r1, _) in zip(before, after))
        self.kernels = [(r1 - r0, w1 - w0, max(0.0, wall - (r1 - r0) - (w1 - w0)))
                        for (r0, w0), (r1, w1) in zip(before, after)]
        return wall

    def settle(self):
        """Waits until the grid's processes use under 1% of a core, so that what a project left
        behind (co-holders still replicating its claims, SQLite copying its log) is not counted
        in the next one. Keeps in self.settled_s how long that took."""
        started = time.time()
        while time.time() - started < SETTLE_TIMEOUT_S:
            before = sum(run_ns(p.pid) for p in self.procs)
            time.sleep(0.5)
            if sum(run_ns(p.pid) for p in self.procs) - before < 0.01 * 0.5e9:
                break
        self.settled_s = time.time() - started

    def kernel_summary(self):
        # Without the machine's other load the kernels would run through their waits for a core:
        # ran / (ran + no work) is then the share of a core each would use, the grid's own CPU
        # (which the waits also hold) left out.
        return "; ".join(f"worker {i} kernel ran {r:.2f} s, waited for a core {w:.2f} s, had no work {n:.2f} s "
                         f"(busy {r / max(r + n, 1e-9):.1%} of the time it was not waiting)"
                         for i, (r, w, n) in enumerate(self.kernels)) + \
            f"; the grid's processes besides kernels used {self.overhead_cpu:.2f} CPU-s" + \
            f"; the grid fell quiet {self.settled_s:.1f} s before the project"

    def close(self):
        for proc in self.procs:
            stop(proc)


# The Dask and Celery sides import their packages only when they run.
TASK_MODULE = '''
import time

def spin(index, ms):
    start = time.thread_time()
    while time.thread_time() - start < ms / 1000.0:
        pass
    z = (index + 0x9e3779b97f4a7c15) & 0xffffffffffffffff
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & 0xffffffffffffffff
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & 0xffffffffffffffff
    return z ^ (z >> 31)
'''

CELERY_MODULE = TASK_MODULE + '''
import os
from celery import Celery
app = Celery("benchtasks", broker=os.environ["BENCH_REDIS"], backend=os.environ["BENCH_REDIS"])
app.conf.worker_hijack_root_logger = False
spin = app.task(spin)
'''


class Dask:
    def __init__(self, work):
        sys.path.insert(0, str(work))
        (pathlib.Path(work) / "benchtasks_dask.py").write_text(TASK_MODULE)
        from dask.distributed import Client, LocalCluster
        import benchtasks_dask
        self.spin = benchtasks_dask.spin
        self.cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                    dashboard_address=None)
        self.client = Client(self.cluster)
        self.client.upload_file(str(pathlib.Path(work) / "benchtasks_dask.py"))

    def run(self, units, ms):
        started = time.time()
        futures = self.client.map(self.spin, range(units), [ms] * units, pure=False)
        self.client.gather(futures)
        return time.time() - started

    def close(self):
        self.client.close()
        self.cluster.close()


class Celery:
    def __init__(self, work):
        port = free_port()
        self.work = pathlib.Path(work)
        self.redis = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                       "--appendonly", "no", "--dir", str(self.work)],
                                      stdout=open(self.work / "redis.log", "w"), stderr=subprocess.STDOUT)
        self.worker = None
        try:
            self._start(port)
        except BaseException:
            self.close()
            raise

    def _start(self, port):
        url = f"redis://127.0.0.1:{port}/0"
        os.environ["BENCH_REDIS"] = url
        self._wait_port(port)
        (self.work / "benchtasks.py").write_text(CELERY_MODULE)
        sys.path.insert(0, str(self.work))
        env = dict(os.environ, PYTHONPATH=str(self.work))
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "benchtasks", "worker", "--concurrency", "2", "--pool", "prefork", "--loglevel",
             "warning", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=self.work, env=env, stdout=open(self.work / "celery.log", "w"), stderr=subprocess.STDOUT)
        import benchtasks
        self.app = benchtasks.app
        self.spin = benchtasks.spin
        # The first task answers once a worker is up.
        self.spin.delay(0, 0).get(timeout=START_TIMEOUT_S)

    def _wait_port(self, port):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not listen")

    def run(self, units, ms):
        from celery import group
        started = time.time()
        group(self.spin.s(i, ms) for i in range(units)).apply_async().get(timeout=3600)
        return time.time() - started

    def close(self):
        # Celery's result objects talk to Redis when collected: collect them while it is up.
        gc.collect()
        if self.worker:
            stop(self.worker)
        stop(self.redis)


def median_of(unit, rates):
    """The median of repeated runs' rates, logged with their spread when there are several."""
    middle = statistics.median(rates)
    if len(rates) > 1:
        log(f"no-op:  median of {len(rates)} runs {middle:.0f} {unit} (from {min(rates):.0f} to {max(rates):.0f})")
    return middle


def efficiency(units, replicas, ms, cores, wall_s):
    return units * replicas * ms / 1000.0 / (cores * wall_s)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default="build/bin", help="folder of the potluck programs")
    parser.add_argument("--units", type=int, default=20000, help="no-op tasks for the throughput comparison")
    parser.add_argument("--repeat", type=int, default=3,
                        help="no-op runs of each system; the ratios compare their medians")
    parser.add_argument("--units-10ms", type=int, default=400, help="10 ms tasks for the efficiency comparison")
    parser.add_argument("--units-1s", type=int, default=10, help="1 s units for potluck's efficiency")
    parser.add_argument("--million", type=int, default=1000000, help="units of the project held for the memory figure")
    parser.add_argument("--hold-seconds", type=float, default=20, help="how long the big project runs before measuring")
    parser.add_argument("--holders", type=int, default=3, help="nodes that hold each project (potluck's default: 3)")
    parser.add_argument("--ceiling-seconds", type=float, default=10,
                        help="how long bare busy loops run for the machine's ceiling on efficiency")
    parser.add_argument("--only", choices=["potluck", "all"], default="all", help="skip Dask and Celery")
    parser.add_argument("--log-level", default="info", help="potluck's log level")
    parser.add_argument("--timeout", type=float, default=1800, help="longest wait for one project, seconds")
    args = parser.parse_args()
    counts = (args.units, args.units_10ms, args.units_1s, args.million)
    if min(counts) < 1 or args.repeat < 1 or args.hold_seconds <= 0 or args.ceiling_seconds <= 0:
        parser.error("unit counts and --repeat must be at least 1, --hold-seconds and --ceiling-seconds positive")

    work = pathlib.Path(tempfile.mkdtemp(prefix="potluck-grid-bench."))
    results = {}
    grid = None
    log(f"start: {load_average()}")
    try:
        log(f"== potluck: coordinator and 2 one-core workers, quorum 2 (logs in {work})")
        grid = PotluckGrid(args.bin, work / "grid", log_level=args.log_level, holders=args.holders)
        time.sleep(2)  # let gossip settle, so the idle figure is the steady one
        idle_start = [rss_mb(w.pid) for w in grid.workers]
        rates = []
        for _ in range(args.repeat):
            t = grid.run(args.units, 0, args.timeout)
            rates.append(args.units / t)
            log(f"no-op:  {args.units} units verified in {t:.2f} s: {args.units / t:.0f} units/s, "
                f"{grid.overhead_cpu / args.units * 1000:.2f} ms of CPU per unit in the grid's processes")
            log(f"        {grid.kernel_summary()}")
        results["potluck", 0] = median_of("units/s", rates)
        t = grid.run(args.units_10ms, 10, args.timeout)
        results["potluck", 10] = efficiency(args.units_10ms, 2, 10, 2, t)
        log(f"10 ms:  {args.units_10ms} units x 2 replicas in {t:.2f} s: efficiency {results['potluck', 10]:.1%}")
        log(f"        {grid.kernel_summary()}")
        t = grid.run(args.units_1s, 1000, args.timeout)
        results["potluck", 1000] = efficiency(args.units_1s, 2, 1000, 2, t)
        log(f"1 s:    {args.units_1s} units x 2 replicas in {t:.2f} s: efficiency {results['potluck', 1000]:.1%}")
        log(f"        {grid.kernel_summary()}")
        time.sleep(3)
        idle_end = [rss_mb(w.pid) for w in grid.workers]
        log("idle worker RSS: " + "; ".join(f"worker {i}: {a:.1f} MB at start, {b:.1f} MB after the runs"
                                             for i, (a, b) in enumerate(zip(idle_start, idle_end))))
        cpu_before = [cpu_seconds(w.pid) for w in grid.workers]
        time.sleep(IDLE_CPU_WINDOW_S)
        log("idle worker CPU: " + "; ".join(
            f"worker {i}: {(cpu_seconds(w.pid) - c) / IDLE_CPU_WINDOW_S * 1000:.1f} ms a second"
            for i, (w, c) in enumerate(zip(grid.workers, cpu_before))))
        grid.close()
        grid = None
        # With no potluck process running: the machine's own background is all the loops share with.
        shares = busy_loop_shares(2, args.ceiling_seconds)
        ceiling = sum(shares) / len(shares)
        log(f"ceiling: 2 bare busy loops at SCHED_IDLE, {args.ceiling_seconds:g} s with no potluck process running, got "
            + " and ".join(f"{x:.1%}" for x in shares) + " of a core; potluck reached "
            f"{results['potluck', 10] / ceiling:.1%} of that on 10 ms units and {results['potluck', 1000] / ceiling:.1%} on 1 s units")

        log(f"== potluck: the coordinator holding a project of {args.million} units")
        grid = PotluckGrid(args.bin, work / "million", log_level="warn")
        before = rss_mb(grid.coordinator.pid)
        project = grid.submit(args.million, 0)
        submitted = rss_mb(grid.coordinator.pid)
        # Two points while units flow give the memory per unit held, past the fixed costs.
        points = []
        for _ in range(2):
            time.sleep(args.hold_seconds / 2)
            status = grid.cli("status", project, "--json")
            points.append((int(re.search(r'"verified":\s*(\d+)', status).group(1)), rss_mb(grid.coordinator.pid)))
        (v1, m1), (v2, m2) = points
        per_unit = (m2 - m1) * 1024 * 1024 / max(1, v2 - v1)
        log(f"coordinator RSS: {before:.1f} MB idle, {submitted:.1f} MB once submitted, {m1:.1f} MB with {v1} "
            f"units verified, {m2:.1f} MB with {v2} (peak {rss_mb(grid.coordinator.pid, 'VmHWM'):.1f} MB): "
            f"{per_unit:.0f} bytes per further unit verified")
        grid.close()
        grid = None

        if args.only == "all":
            others = (
                ("dask", Dask, "Dask distributed: LocalCluster, 2 processes x 1 thread, client.map + gather", True),
                ("celery", Celery, "Celery: Redis broker and backend on 127.0.0.1, 2 prefork processes", False),
            )
            for name, system, title, warm_up in others:
                log(f"== {title}")
                other = system(work)
                try:
                    if warm_up:
                        other.run(100, 0)  # imports and connections
                    rates = []
                    for _ in range(args.repeat):
                        t = other.run(args.units, 0)
                        rates.append(args.units / t)
                        log(f"no-op:  {args.units} tasks in {t:.2f} s: {args.units / t:.0f} tasks/s")
                    results[name, 0] = median_of("tasks/s", rates)
                    t = other.run(args.units_10ms, 10)
                    results[name, 10] = efficiency(args.units_10ms, 1, 10, 2, t)
                    log(f"10 ms:  {args.units_10ms} tasks in {t:.2f} s: efficiency {results[name, 10]:.1%}")
                finally:
                    other.close()
            log("== ratios of the no-op medians (potluck verified units, each computed twice, against single tasks)")
            for other in ("dask", "celery"):
                log(f"throughput: potluck / {other} = {results['potluck', 0] / results[other, 0]:.2f}x")
        log(f"end: {load_average()}")
    finally:
        if grid:
            grid.close()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
