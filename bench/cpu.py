"""CPU seconds by program, from /proc: where the 2 CPUs go during a load test."""

import os
from collections import defaultdict
from pathlib import Path

# Command lines containing these count under that name (gunicorn's workers, ...).
PROGRAMS = (
    "gunicorn",
    "celery",
    "wrk",
    "redis-server",
    "bench.orders",
    "bench.livestream",
    "bench.payments",
)


# Programs that other users of a shared host run too (their own test clusters, servers).
SHARED_PROGRAMS = ("gunicorn", "celery", "postgres", "redis-server")


def _own_pids():
    """BENCH_OWN_PIDS (set by bench/run.sh): the pids of the benchmark's gunicorn master,
    Celery master, postmaster and Redis; empty when not set."""
    return {int(pid) for pid in os.environ.get("BENCH_OWN_PIDS", "").split() if pid.isdigit()}


def cpu_seconds_by_process():
    """{pid: (program name, CPU seconds so far)} of the live processes, named as
    `cpu_seconds_by_program` names them."""
    return _scan(by_pid=True)


def cpu_delta_by_program(before, after):
    """CPU seconds used between two `cpu_seconds_by_process` snapshots, by program: each
    process counts what it used in between (one started meanwhile, all of its time), so a
    PostgreSQL backend that exits meanwhile does not take its earlier time off the total
    (its time in between is lost, not subtracted)."""
    used = defaultdict(float)
    for pid, (name, seconds) in after.items():
        earlier = before.get(pid)
        used[name] += seconds - (earlier[1] if earlier and earlier[0] == name else 0)
    return used


def cpu_seconds_by_program():
    """CPU seconds (user + system) used so far by the live processes, by program name:
    where the 2 CPUs go during the checkouts (processes that exit meanwhile are missed).
    With BENCH_OWN_PIDS, a gunicorn, celery, postgres or redis-server process that is not
    one of those or their child counts as "<program> (others)": another PostgreSQL
    cluster or server on a shared host is not the benchmark's."""
    return _scan(by_pid=False)


def _scan(*, by_pid):
    tick = os.sysconf("SC_CLK_TCK")
    used = defaultdict(float)
    processes = {}
    own = _own_pids()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            cmdline = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        words = b" ".join(cmdline).decode(errors="replace")
        name = text[text.index("(") + 1 : text.rindex(")")]
        if name.startswith(("kworker", "ksoftirqd", "rcu_")):
            name = "kernel threads"
        for program in PROGRAMS:
            if program in words:
                name = program
                break
        pid, ppid = int(stat.parent.name), int(fields[1])
        if own and name in SHARED_PROGRAMS and pid not in own and ppid not in own:
            name += " (others)"
        seconds = (int(fields[11]) + int(fields[12])) / tick
        used[name] += seconds
        processes[pid] = (name, seconds)
    return processes if by_pid else used


def machine_busy_seconds():
    """CPU seconds the whole machine spent busy so far (all CPUs, /proc/stat): counts
    what `cpu_seconds_by_program` misses, such as PostgreSQL backends that a web worker
    replaced during the run (connections are renewed after CONN_MAX_AGE)."""
    # user nice system idle iowait irq softirq steal (guest time is inside user already)
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = sum(fields[:7]) - fields[3] - fields[4]  # steal: the hypervisor's, not ours
    return busy / os.sysconf("SC_CLK_TCK")
