"""Django's Redis cache backend: one Redis client per connection pool, and a store that
keeps selling while Redis is unreachable.

Django's RedisCacheClient builds a new `redis.Redis` for every cache call; with redis-py 8
that costs about 50 µs, a fifth of serving a cached catalog page (see BENCHMARKS.md).
A client is thread-safe and holds no connection of its own, so one per pool is enough.

`FaultTolerantRedisCache` (the production cache) turns a Redis failure into a cache miss:
a read answers its default, a write does nothing, `add` answers False. Pages then render
uncached, cached_db sessions read the database, and the notification flag is simply not
set (the outbox waits for the beat sweep). After a failure the process leaves Redis alone
for RETRY_SECONDS and then tries again with one call, so a Redis that hangs costs one
socket timeout per few seconds per process, not one per call. The keys it could not
write meanwhile are remembered (up to STALE_KEYS_MAX) and deleted first thing once Redis
answers again: a session saved, a catalog revision bumped or a user signed out during the
outage is not shadowed by the copy Redis still held. The log says once a minute per
process that Redis is down, and once that it is back.
"""

import logging
import re
import threading
import time

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

LOG_EVERY_SECONDS = 60
STALE_KEYS_MAX = 100_000  # ~10 MB of key names; beyond that entries wait for their timeout
_DELETE_CHUNK = 1_000


class PooledRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class PooledRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledRedisCacheClient


def _redacted(location):
    """The server's address without its password, for the log."""
    return re.sub(r"//[^@/]*@", "//***@", str(location))


class _Watch:
    """What one process knows of one Redis server: down since when, when to try again,
    which keys it could not write. Shared by every thread (cache backends are per thread)."""

    def __init__(self, where):
        self.where = where
        self.lock = threading.Lock()
        self.down_since = None  # time.monotonic() of the first failure of this outage
        self.retry_at = 0.0
        self.logged_at = 0.0
        self.failures = 0  # calls failed or skipped since the last log line
        self.stale = set()
        self.overflow = False
        # One thread drops the stale keys; the others keep answering misses until it has,
        # so none reads an old session or revision from a Redis that kept its data.
        self.recovering = False

    def may_call(self):
        return self.down_since is None or (
            not self.recovering and time.monotonic() >= self.retry_at
        )

    def remember(self, keys):
        with self.lock:
            self.failures += 1
            for key in keys:
                if len(self.stale) >= STALE_KEYS_MAX:
                    self.overflow = True
                    break
                self.stale.add(key)

    def failed(self, exc, keys, retry_seconds):
        self.remember(keys)
        now = time.monotonic()
        with self.lock:
            self.retry_at = now + retry_seconds
            if self.down_since is None:
                self.down_since = self.logged_at = now
                failures, self.failures = self.failures, 0
                first = True
            elif now - self.logged_at >= LOG_EVERY_SECONDS:
                self.logged_at = now
                failures, self.failures = self.failures, 0
                first = False
            else:
                return
            down_for = now - self.down_since
        if first:
            logger.error(
                "Redis at %s is unreachable (%s): pages are served without the cache, "
                "sessions are read from the database, notifications wait in the outbox. "
                "Said once a minute while it lasts.",
                self.where,
                exc,
            )
        else:
            logger.error(
                "Redis at %s still unreachable after %d s (%s); %d cache calls failed or "
                "were skipped in the last minute.",
                self.where,
                down_for,
                exc,
                failures,
            )

    def take_stale(self):
        """(keys, overflow) for the one thread that recovers, or None if another is."""
        with self.lock:
            if self.recovering:
                return None
            self.recovering = True
            keys, self.stale = list(self.stale), set()
            overflow, self.overflow = self.overflow, False
        return keys, overflow

    def recovered(self, dropped, overflow):
        with self.lock:
            self.recovering = False
            if self.down_since is None:
                return
            down_for = time.monotonic() - self.down_since
            self.down_since = None
            self.failures = 0
        logger.warning(
            "Redis at %s is reachable again after %d s; %d cache entries written during "
            "the outage were dropped%s.",
            self.where,
            down_for,
            dropped,
            " (more could not be remembered: they expire with their timeouts)" if overflow else "",
        )


_watches = {}
_watches_lock = threading.Lock()


def _watch_for(location):
    with _watches_lock:
        watch = _watches.get(location)
        if watch is None:
            watch = _watches[location] = _Watch(_redacted(location))
        return watch


class FaultTolerantRedisCache(PooledRedisCache):
    """The pooled Redis cache, whose failures are misses (see the module's docstring).

    Errors that are not Redis's (a value that cannot be pickled, `incr` of a missing key)
    still raise. CACHES["default"]["RETRY_SECONDS"]: how long a process leaves Redis
    alone after a failure (default 2)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self.retry_seconds = float(params.get("RETRY_SECONDS", 2))
        self._watch = _watch_for(server)

    def _guard(self, default, call, writes=()):
        watch = self._watch
        if not watch.may_call():
            watch.remember(writes)
            return default
        if watch.down_since is not None and not self._recover(writes):
            return default
        try:
            return call()
        except redis.RedisError as exc:
            watch.failed(exc, writes, self.retry_seconds)
            return default

    def _recover(self, writes):
        """Redis was down: drop what it may still hold stale, which also tells whether it
        answers. True if it does."""
        taken = self._watch.take_stale()
        if taken is None:  # another thread is dropping the stale keys: still a miss here
            self._watch.remember(writes)
            return False
        keys, overflow = taken
        try:
            client = self._cache.get_client(write=True)
            if keys:
                for start in range(0, len(keys), _DELETE_CHUNK):
                    client.delete(*keys[start : start + _DELETE_CHUNK])
            else:
                client.ping()
        except redis.RedisError as exc:
            self._watch.failed(exc, [*keys, *writes], self.retry_seconds)
            if overflow:
                self._watch.overflow = True
            self._watch.recovering = False
            return False
        except BaseException:
            self._watch.remember(keys)
            self._watch.recovering = False  # never leave the cache switched off for good
            raise
        self._watch.recovered(len(keys), overflow)
        return True

    @property
    def reachable(self):
        """False while this process leaves Redis alone after a failure."""
        return self._watch.may_call()

    def call_client(self, use, default=None):
        """`use(client)` with the raw redis-py client, guarded like the cache's own calls:
        `default` if Redis fails (for callers that need Redis structures, e.g. the stream
        counters' sorted sets)."""
        return self._guard(default, lambda: use(self._cache.get_client(write=True)))

    # --- Django's cache API; keys are made here so that failed writes can be remembered.

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._guard(
            False, lambda: self._cache.add(key, value, self.get_backend_timeout(timeout)), (key,)
        )

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._guard(default, lambda: self._cache.get(key, default))

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        self._guard(
            None, lambda: self._cache.set(key, value, self.get_backend_timeout(timeout)), (key,)
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._guard(
            False, lambda: self._cache.touch(key, self.get_backend_timeout(timeout)), (key,)
        )

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._guard(False, lambda: self._cache.delete(key), (key,))

    def get_many(self, keys, version=None):
        key_map = {self.make_and_validate_key(key, version=version): key for key in keys}
        found = self._guard({}, lambda: self._cache.get_many(key_map.keys()))
        return {key_map[k]: v for k, v in found.items()}

    def has_key(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._guard(False, lambda: self._cache.has_key(key))

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        outcome = self._guard(_FAILED, lambda: self._cache.incr(key, delta), (key,))
        if outcome is _FAILED:
            # There is no number to answer with: the caller decides (as for a missing key).
            raise ValueError(f"Key '{key}' not reachable: Redis is down.")
        return outcome

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        if not data:
            return []
        safe_data = {
            self.make_and_validate_key(key, version=version): value for key, value in data.items()
        }
        self._guard(
            None,
            lambda: self._cache.set_many(safe_data, self.get_backend_timeout(timeout)),
            tuple(safe_data),
        )
        return []

    def delete_many(self, keys, version=None):
        if not keys:
            return
        safe_keys = [self.make_and_validate_key(key, version=version) for key in keys]
        self._guard(None, lambda: self._cache.delete_many(safe_keys), tuple(safe_keys))

    def clear(self):
        return self._guard(False, self._cache.clear)


_FAILED = object()
