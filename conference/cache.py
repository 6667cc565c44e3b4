"""Django's Redis cache, except that a Redis that cannot be reached is a cache miss, not an error.

The cache holds nothing that must not be lost (API request counters, memoised reads), so while
Redis restarts the app goes on with an empty cache instead of answering 500: reads miss, writes
are dropped, request counters start again (throttles let requests through meanwhile). Each
outage is logged, at most once a minute per process. ``check`` still raises, for /health/.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
LOG_EVERY_SECONDS = 60


def _fail_soft(name: str, answer_when_unreachable):
    """``RedisCache.<name>``; if Redis is unreachable, ``answer_when_unreachable(*args, **kwargs)``."""

    def method(self, *args, **kwargs):
        try:
            return getattr(super(ResilientRedisCache, self), name)(*args, **kwargs)
        except UNREACHABLE as error:
            self._unreachable(name, error)
            return answer_when_unreachable(*args, **kwargs)

    method.__name__ = name
    return method


def _get(key, default=None, version=None):
    return default


def _incr(key, delta=1, version=None):
    return delta  # as if counting started now


def _set_many(data, *args, **kwargs):
    return list(data)  # the keys not stored


class ResilientRedisCache(RedisCache):
    _last_logged = 0.0

    def _unreachable(self, operation: str, error: Exception) -> None:
        now = time.monotonic()
        if now - ResilientRedisCache._last_logged >= LOG_EVERY_SECONDS:
            ResilientRedisCache._last_logged = now
            log.warning("the cache (Redis) is unreachable, going on without it (%s): %s", operation, error)

    def check(self) -> None:
        """Raise if Redis does not answer (the cache's own methods never do)."""
        self._cache.get_client(write=True).ping()

    get = _fail_soft("get", _get)
    get_many = _fail_soft("get_many", lambda *args, **kwargs: {})
    has_key = _fail_soft("has_key", lambda *args, **kwargs: False)
    add = _fail_soft("add", lambda *args, **kwargs: False)
    set = _fail_soft("set", lambda *args, **kwargs: None)
    set_many = _fail_soft("set_many", _set_many)
    touch = _fail_soft("touch", lambda *args, **kwargs: False)
    incr = _fail_soft("incr", _incr)
    delete = _fail_soft("delete", lambda *args, **kwargs: False)
    delete_many = _fail_soft("delete_many", lambda *args, **kwargs: None)
    clear = _fail_soft("clear", lambda *args, **kwargs: None)
