"""Live counters of a stream: who is watching now, how many watched in all, and what it sold.

Watching now: each viewer's page sends a heartbeat every few seconds; a viewer counts
while their last heartbeat is younger than WATCHING_SECONDS. Unique viewers: a
HyperLogLog, constant memory (12 KB in Redis) whatever the audience, about 0.8 %
standard error. With Redis (the production profile) both live in Redis: a sorted set
trimmed on every heartbeat, and PFADD/PFCOUNT. Without it (the embedded default) the
same two structures are kept in Django's cache: a small dict of recent viewers and a
Python HyperLogLog of the same precision; updates there are last-writer-wins, which is
fine for one machine and a demo.
Sales during the stream come from the order lines of its channel (OrderLine.channel),
read with the stream's state once per few seconds for everybody (stream_summary).

While Redis is unreachable the counters answer with what they can: the stream's state and
sales from the database, the audience this process read last (or 0), and heartbeats wait
in the process (up to BATCH_MAX) for Redis to come back.
"""

import hashlib
import logging
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Sum
from django.utils import timezone
from redis import Redis, RedisError
from redis.client import Pipeline

from livestream.models import LiveStream, stream_channel
from orders.models import OrderLine, OrderPart

logger = logging.getLogger(__name__)

WATCHING_SECONDS = 30
HLL_PRECISION = 14  # 16,384 registers: ~0.81 % standard error
SUMMARY_SECONDS = 5  # how stale the sales figures may be
# A stream's (id, live?, orders, grams), as _stream_summary shares it.
Summary = tuple[int, bool, int, int]


@dataclass
class StreamCounters:
    live: bool
    watching: int
    unique_viewers: int
    orders: int
    weight_g: int


def _redis() -> Redis | None:
    if not settings.REDIS_URL:
        return None
    return cache._cache.get_client(write=True)


def _execute(pipe: Pipeline) -> list | None:
    """The pipeline's replies, or None if Redis is unreachable. Through the cache's guard
    when it has one (hubei_market's Redis cache): it logs the outage once a minute and
    leaves Redis alone for a moment after a failure, so a Redis that hangs costs one
    timeout per few seconds, not one per poll."""
    call_client = getattr(cache, "call_client", None)
    if call_client is not None:
        return call_client(lambda _client: pipe.execute(), None)
    try:
        return pipe.execute()
    except RedisError:
        logger.warning("stream counters: Redis unreachable", exc_info=True)
        return None


def _key(stream_id: int, what: str) -> str:
    return f"hubei:stream:{stream_id}:{what}"


def _summary_key(slug: str) -> str:
    return f"hubei:stream-summary:{slug}"


def _heartbeat_commands(
    pipe: Pipeline, stream_id: int, beats: Mapping[str, float], now: float
) -> None:
    """`beats`: {viewer: when last seen}."""
    watching = _key(stream_id, "watching")
    pipe.zadd(watching, beats)
    pipe.zremrangebyscore(watching, 0, now - WATCHING_SECONDS)
    pipe.pfadd(_key(stream_id, "viewers"), *beats)
    pipe.expire(watching, 86400)


def _audience_commands(pipe: Pipeline, stream_id: int, now: float) -> None:
    pipe.zcount(_key(stream_id, "watching"), now - WATCHING_SECONDS, "+inf")
    pipe.pfcount(_key(stream_id, "viewers"))


def record_heartbeat(stream_id: int, viewer: str, now: datetime | None = None) -> None:
    """`viewer` is still watching (a random id kept in the viewer's cookie)."""
    now = (now or timezone.now()).timestamp()
    client = _redis()
    if client is not None:
        pipe = client.pipeline(transaction=False)
        _heartbeat_commands(pipe, stream_id, {viewer: now}, now)
        _execute(pipe)  # lost if Redis is down: the viewer's next poll sends another
        return
    watching = cache.get(_key(stream_id, "watching")) or {}
    watching = {v: t for v, t in watching.items() if t > now - WATCHING_SECONDS}
    watching[viewer] = now
    cache.set(_key(stream_id, "watching"), watching, 86400)
    registers = cache.get(_key(stream_id, "viewers")) or bytes(1 << HLL_PRECISION)
    cache.set(_key(stream_id, "viewers"), hll_add(registers, viewer), None)


def audience(stream_id: int, now: datetime | None = None) -> tuple[int, int]:
    """(watching now, unique viewers)."""
    now = (now or timezone.now()).timestamp()
    client = _redis()
    if client is not None:
        pipe = client.pipeline(transaction=False)
        _audience_commands(pipe, stream_id, now)
        replies = _execute(pipe)
        if replies is None:
            return _process_batch.last_audience(stream_id)
        watching, unique = replies
        return watching, unique
    watching = cache.get(_key(stream_id, "watching")) or {}
    registers = cache.get(_key(stream_id, "viewers"))
    return (
        sum(1 for t in watching.values() if t > now - WATCHING_SECONDS),
        hll_count(registers) if registers else 0,
    )


def sales(stream_id: int) -> tuple[int, int]:
    """(orders, grams) bought from the stream's page, cancellations left out."""
    totals = (
        OrderLine.objects.filter(channel=stream_channel(stream_id))
        .exclude(part__status=OrderPart.Status.CANCELLED)
        .aggregate(orders=Count("part__order", distinct=True), weight=Sum("weight_g"))
    )
    return totals["orders"], totals["weight"] or 0


def _stream_summary(slug: str) -> Summary | None:
    """(stream id, live?, orders, grams) of the stream with this slug, or None.

    Shared by every viewer through the cache for SUMMARY_SECONDS, so an audience of a
    million polling costs the database two queries per few seconds, not per poll. A state
    change (services._move) forgets it at once."""
    key = _summary_key(slug)
    found = cache.get(key)
    if found is None:
        stream = LiveStream.objects.filter(slug=slug).only("pk", "state").first()
        if stream is None:
            return None
        found = (stream.pk, stream.is_live, *sales(stream.pk))
        cache.set(key, found, SUMMARY_SECONDS)
    return found


def forget_summary(slug: str) -> None:
    cache.delete(_summary_key(slug))


class _ProcessBatch:
    """What one web process holds between its trips to Redis (production profile).

    Within STREAM_COUNTER_BATCH_SECONDS a process answers polls from what it last read
    and gathers the heartbeats; then one pipeline writes them all (ZADD and PFADD with
    many viewers) and reads the counters again. Redis's work grows with the web processes,
    not with the audience; a heartbeat is at most that many seconds late (a viewer counts
    for WATCHING_SECONDS), and a process that dies loses at most its unsent beats, which
    the viewers' next polls send again."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.summaries = {}  # slug -> (read at, summary)
        self.beats = {}  # stream id -> {viewer: seen at}
        self.audiences = {}  # stream id -> (read at, (watching, unique))

    def poll(
        self, client: Redis, slug: str, viewer: str | None, now: float, window: float
    ) -> StreamCounters | None:
        with self.lock:
            read_at, summary = self.summaries.get(slug, (None, None))
        if summary is None or not 0 <= now - read_at < window:
            summary = _stream_summary(slug)
            with self.lock:
                self.summaries[slug] = (now, summary)
        if summary is None:
            return None
        stream_id, live, orders, weight_g = summary
        with self.lock:
            beats = self.beats.setdefault(stream_id, {})
            if live and viewer is not None:
                beats[viewer] = now
            read_at, audience = self.audiences.get(stream_id, (None, None))
            if audience is not None and 0 <= now - read_at < window and len(beats) < BATCH_MAX:
                return StreamCounters(live, *audience, orders, weight_g)
            self.beats[stream_id] = {}
        pipe = client.pipeline(transaction=False)
        if beats:
            _heartbeat_commands(pipe, stream_id, beats, now)
        _audience_commands(pipe, stream_id, now)
        replies = _execute(pipe)
        with self.lock:
            if replies is None:
                # Redis is down: keep the beats for the next trip (newer ones win) and
                # answer with the last audience read, trying again after the window.
                waiting = self.beats[stream_id]
                for seen, at in beats.items():
                    if len(waiting) < BATCH_MAX:
                        waiting.setdefault(seen, at)
                audience = self.audiences.get(stream_id, (None, (0, 0)))[1]
            else:
                audience = tuple(replies[-2:])
            self.audiences[stream_id] = (now, audience)
        return StreamCounters(live, *audience, orders, weight_g)

    def last_audience(self, stream_id: int) -> tuple[int, int]:
        """(watching, unique) as this process last read them, or (0, 0)."""
        with self.lock:
            return self.audiences.get(stream_id, (None, (0, 0)))[1]


_process_batch = _ProcessBatch()
BATCH_MAX = 5_000  # heartbeats a process holds before it writes them, whatever the time


def poll(slug: str, viewer: str | None, now: datetime | None = None) -> StreamCounters | None:
    """One poll of a stream's page: the viewer's heartbeat (while it is live; none for a
    `viewer` of None) and the counters to show, or None if there is no such stream.

    With Redis, through this process's batch (see _ProcessBatch): most polls cost no SQL
    and no round trip at all. Without Redis (the embedded default, one machine), straight
    to the cache every time."""
    client = _redis()
    if client is not None:
        return _process_batch.poll(
            client,
            slug,
            viewer,
            (now or timezone.now()).timestamp(),
            settings.STREAM_COUNTER_BATCH_SECONDS,
        )
    summary = _stream_summary(slug)
    if summary is None:
        return None
    stream_id, live, orders, weight_g = summary
    if live and viewer is not None:
        record_heartbeat(stream_id, viewer, now)
    return StreamCounters(live, *audience(stream_id, now), orders, weight_g)


# --- A HyperLogLog in Python (the embedded default), registers as bytes ---------------


def _hash64(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=8).digest(), "big")


def hll_add(registers: bytes, value: str) -> bytes:
    """The registers with `value` added (a new bytes object)."""
    h = _hash64(value)
    index = h >> (64 - HLL_PRECISION)
    rest = (h << HLL_PRECISION) & ((1 << 64) - 1)
    rank = min(64 - HLL_PRECISION, (64 - rest.bit_length()) + 1) if rest else 64 - HLL_PRECISION + 1
    if registers[index] >= rank:
        return registers
    updated = bytearray(registers)
    updated[index] = rank
    return bytes(updated)


def hll_count(registers: bytes) -> int:
    m = len(registers)
    alpha = 0.7213 / (1 + 1.079 / m)
    estimate = alpha * m * m / sum(2.0**-r for r in registers)
    zeros = registers.count(0)
    if estimate <= 2.5 * m and zeros:
        return round(m * math.log(m / zeros))  # linear counting for small audiences
    return round(estimate)
