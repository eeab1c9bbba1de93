"""The Redis server the shared rate limits are tested against.

Tests that need it skip with the reason when it cannot be reached, unless
``FINCAST_TEST_REQUIRE_DBS=1`` (set by ``.ci/run``, which starts Redis), where it is an error:
CI must run them.
"""

from __future__ import annotations

import os

import pytest

REDIS_URL = os.environ.get("FINCAST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def require_redis(url: str = REDIS_URL) -> str:
    """``url`` when a Redis server answers there; skip (or fail, in CI) otherwise."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        msg = f"Redis at {url} not reachable ({exc})"
        if os.environ.get("FINCAST_TEST_REQUIRE_DBS") == "1":
            pytest.fail(msg + "; FINCAST_TEST_REQUIRE_DBS=1 requires it", pytrace=False)
        pytest.skip(msg)
    return url
