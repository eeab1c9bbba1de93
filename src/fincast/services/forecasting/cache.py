"""The result cache: this process's LRU with single-flight computation, shared through Redis.

Keys name what a result was computed from (the user, the ledger's data version, the model
file's version, the parameters), so an entry is never stale: a changed ledger is a new key.
Every worker keeps its own LRU; with ``FINCAST_CACHE_URL`` set to a Redis URL, a result one
worker computed is read by the others instead of being computed again.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import orjson

log = logging.getLogger("fincast.cache")

#: How long Redis keeps a shared result. Keys never go stale, so this only bounds memory.
SHARED_TTL_SECONDS = 7 * 24 * 3600
_PREFIX = "fincast:result:"


class SharedStore:
    """Results in Redis, as JSON under a digest of their key; a Redis failure is a miss."""

    def __init__(self, url: str, *, timeout: float = 0.5) -> None:
        import redis

        self._redis = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)

    @staticmethod
    def name(key: Hashable) -> str:
        """The Redis key of ``key`` (a digest of its repr, the same in every process)."""
        return _PREFIX + hashlib.sha256(repr(key).encode()).hexdigest()

    def get(self, key: Hashable) -> Any | None:
        """The shared result for ``key``, or None when there is none (or Redis fails)."""
        try:
            raw = self._redis.get(self.name(key))
        except self._errors as exc:
            log.warning("shared cache unavailable", extra={"error": type(exc).__name__})
            return None
        return None if raw is None else orjson.loads(raw)

    def put(self, key: Hashable, value: Any) -> None:
        """Share ``value`` under ``key`` (values that are not plain JSON stay local)."""
        try:
            blob = orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY)
        except TypeError:
            return
        try:
            self._redis.set(self.name(key), blob, ex=SHARED_TTL_SECONDS)
        except self._errors as exc:
            log.warning("shared cache unavailable", extra={"error": type(exc).__name__})


class ResultCache:
    """A small thread-safe LRU cache that computes each missing key once, even under load."""

    def __init__(self, max_entries: int = 2048, shared: SharedStore | None = None) -> None:
        self.max_entries = max_entries
        self.shared = shared
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}

    def share_through(self, url: str | None) -> None:
        """Read and write results through the Redis at ``url`` too (None: this process only)."""
        self.shared = None if url is None else SharedStore(url)

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached value for ``key``, computing it once even under concurrency."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._data:
                    return self._data[key]
            value = self._shared_or_compute(key, compute)
            with self._lock:
                self._data[key] = value
                while len(self._data) > self.max_entries:
                    self._data.popitem(last=False)
                self._key_locks.pop(key, None)
            return value

    def _shared_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        shared = self.shared
        if shared is None:
            return compute()
        value = shared.get(key)
        if value is None:
            value = compute()
            shared.put(key, value)
        return value

    def cached_keys(self) -> list[Hashable]:
        """The keys this process holds now, least recently used first."""
        with self._lock:
            return list(self._data)

    def discard_user(self, user_id: int) -> None:
        """Forget every entry whose key is a tuple starting with ``user_id``."""
        with self._lock:
            for key in [k for k in self._data if isinstance(k, tuple) and k[:1] == (user_id,)]:
                del self._data[key]

    def clear(self) -> None:
        """Forget everything this process holds."""
        with self._lock:
            self._data.clear()


CACHE = ResultCache()
