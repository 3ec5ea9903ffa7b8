"""Subprocesses for fault tests: a Celery worker, gunicorn and a private redis-server,
each run against the test database and the services a test gives it.

Each process leads a process group of its own (`start_new_session`), so `stop()` and
`kill()` reach its children too (a prefork worker's pool, gunicorn's workers), and only
them. Output goes to a log file (never a pipe, which would fill and block the process);
`output()` reads it for a failure message. PostgreSQL only: SQLite's test database lives
in this process's memory.

    env = service_env(redis_url=redis.url, smtp=smtp)
    worker = start_worker(env, tmp_path / "worker.log")
    ...
    worker.kill()   # SIGKILL to the whole group: a crash
    worker.stop()   # SIGTERM, then SIGKILL after `grace` seconds; safe to call twice

`Processes` starts them and stops every one it started on leaving its `with` block, each
with a log of its own in one directory:

    with Processes(tmp_path) as started:
        worker = started.worker(env)                 # returned once ready for tasks
        server = started.gunicorn(env, workers=2)    # returned once it answers
        worker.kill()                                # a crash; the others run on
        started.worker(env)                          # another one, as systemd would
    # all stopped here
"""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

from tests.support.smtp_server import HOST, free_port

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"


def _tool(name):
    """The virtualenv's script, else the module through this interpreter."""
    script = VENV_BIN / name
    return [str(script)] if script.exists() else [sys.executable, "-m", name]


def database_url():
    """DATABASE_URL of the database Django uses now: the test database during a
    transactional_db test (PostgreSQL only)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("subprocesses need PostgreSQL: SQLite's test database is in memory")
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{credentials}{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"


def service_env(*, redis_url=None, smtp=None, **extra):
    """The environment of a store process on the test database: DEBUG=1 (the development
    SECRET_KEY is accepted, no HTTPS redirect), tasks through the broker (not eager),
    `redis_url` (else the suite's REDIS_URL), mail to `smtp` (an SmtpServer) if given.
    `extra` adds or overrides variables (values made strings)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "EMAIL_BACKEND", "PYTEST_CURRENT_TEST")
    }
    env.update(
        DEBUG="1",
        CELERY_TASK_ALWAYS_EAGER="0",
        DATABASE_URL=database_url(),
        DJANGO_SETTINGS_MODULE="hubei_market.settings",
        PYTHONUNBUFFERED="1",
    )
    redis_url = redis_url or settings.REDIS_URL
    if redis_url:
        env["REDIS_URL"] = redis_url
    if smtp is not None:
        env["EMAIL_URL"] = smtp.email_url
    env.update({key: str(value) for key, value in extra.items()})
    return env


class Process:
    """A started subprocess and its process group."""

    def __init__(self, args, *, env, log_path, name):
        self.name, self.log_path = name, Path(log_path)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pid = self.popen.pid  # also the process group's id

    def alive(self):
        return self.popen.poll() is None

    def output(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for_output(self, text, *, timeout):
        """Wait until `text` appears in the log; raise (with the log) if the process
        exits or `timeout` seconds pass first."""
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if not self.alive():
                raise RuntimeError(f"{self.name} exited:\n{self.output()[-4000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{self.name}: no {text!r} after {timeout}s:\n{self.output()[-4000:]}"
                )
            time.sleep(0.1)

    def children(self):
        """Process ids of its direct children (gunicorn's workers, a prefork pool)."""
        try:
            return [
                int(pid)
                for pid in Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
            ]
        except FileNotFoundError:
            return []

    def _signal_group(self, signum):
        try:
            os.killpg(self.pid, signum)
        except ProcessLookupError:
            pass

    def kill(self):
        """SIGKILL the whole group (a crash: no cleanup, no acknowledgement) and reap it."""
        self._signal_group(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, *, grace=10):
        """SIGTERM the group, SIGKILL what is left after `grace` seconds. Idempotent."""
        if self.alive():
            self._signal_group(signal.SIGTERM)
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        self._signal_group(signal.SIGKILL)  # children that outlived their parent
        self.popen.wait(timeout=10)
        if not self._log.closed:
            self._log.close()


def start_worker(
    env, log_path, *, pool="solo", concurrency=1, queues=None, ready_timeout=60, extra_args=()
):
    """A Celery worker (`celery -A hubei_market worker`), returned once it is ready to
    take tasks. No gossip, mingle or heartbeat: nothing waits for other workers."""
    args = [
        *_tool("celery"),
        "-A",
        "hubei_market",
        "worker",
        f"--pool={pool}",
        f"--concurrency={concurrency}",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        f"--hostname=test-{os.getpid()}-{time.monotonic_ns()}@%h",
        *extra_args,
    ]
    if queues:
        args.append(f"--queues={queues}")
    worker = Process(args, env=env, log_path=log_path, name="celery worker")
    try:
        worker.wait_for_output(" ready.", timeout=ready_timeout)
    except Exception:
        worker.stop()
        raise
    return worker


def start_gunicorn(env, log_path, *, workers=2, ready_timeout=60, path="/", port=None):
    """gunicorn serving the store on 127.0.0.1 and `port` (a free one if None: pick it
    first with free_port() when the environment must name the address, as SITE_URL);
    returned once `path` answers (any HTTP status). `.url` is its address."""
    port = port or free_port()
    args = [
        *_tool("gunicorn"),
        "hubei_market.wsgi:application",
        f"--bind={HOST}:{port}",
        f"--workers={workers}",
        "--timeout=60",
        "--graceful-timeout=5",
        # Else every server shares ~/.gunicorn/gunicorn.ctl, and one stopping removes it.
        "--no-control-socket",
    ]
    server = Process(args, env=env, log_path=log_path, name="gunicorn")
    server.url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + ready_timeout
    while True:
        try:
            urllib.request.urlopen(server.url + path, timeout=5).close()
            return server
        except urllib.error.HTTPError:
            return server  # it answered
        except OSError:
            if not server.alive() or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"gunicorn did not answer:\n{server.output()[-4000:]}") from None
            time.sleep(0.2)


def start_redis(directory, *, ready_timeout=20):
    """A private redis-server on 127.0.0.1 and a free port, no persistence; `.url` is its
    REDIS_URL. Stop it (or kill it, for an outage) like any Process."""
    port = free_port()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    args = [
        "redis-server",
        "--bind",
        HOST,
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(directory),
    ]
    redis = Process(args, env=dict(os.environ), log_path=directory / "redis.log", name="redis")
    redis.url, redis.port = f"redis://{HOST}:{port}/0", port
    try:
        redis.wait_for_output("Ready to accept connections", timeout=ready_timeout)
    except Exception:
        redis.stop()
        raise
    return redis


class Processes:
    """The workers and servers a test starts, each returned once ready (start_worker's and
    start_gunicorn's options), all stopped, newest first, by `stop()` or on leaving the
    `with` block. Logs go to `log_dir`: `<name>.log`, `<name>-2.log` for a second one."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = Path(log_dir)
        self.started: list[Process] = []
        self._names: list[str] = []

    def _log_path(self, name: str) -> Path:
        self._names.append(name)
        count = self._names.count(name)
        return self.log_dir / (f"{name}.log" if count == 1 else f"{name}-{count}.log")

    def worker(self, env: dict, name: str = "worker", **options) -> Process:
        """A Celery worker on `env`, ready to take tasks (options as start_worker's)."""
        worker = start_worker(env, self._log_path(name), **options)
        self.started.append(worker)
        return worker

    def gunicorn(self, env: dict, name: str = "gunicorn", **options) -> Process:
        """gunicorn serving the store on `env`, answering at `.url` (options as
        start_gunicorn's)."""
        server = start_gunicorn(env, self._log_path(name), **options)
        self.started.append(server)
        return server

    def stop(self) -> None:
        """Stop every process started (a killed one is only reaped). Idempotent."""
        for process in reversed(self.started):
            process.stop()

    def __enter__(self) -> "Processes":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()
