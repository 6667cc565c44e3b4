"""Django's Redis cache, except that while Redis cannot be reached a cache of the process stands in.

The cache holds nothing that must not be lost (request counters, memoised reads), so while Redis
restarts the app goes on instead of answering 500: every call goes to a ``LocMemCache`` of this
process (the embedded default's cache, with the same key prefix, version and timeouts), so log-in
limits and API throttles keep counting, per process as without ``REDIS_URL``. Once Redis answers
again calls go to Redis again; what was kept in the process meanwhile is ignored (and may come back,
until it expires, in a later outage). Each outage is logged, at most once a minute per process.
``check`` still raises, for /health/.
"""

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
LOG_EVERY_SECONDS = 60


def _or_local(name: str):
    """``RedisCache.<name>``; if Redis is unreachable, the same call on the process's own cache."""

    def method(self, *args, **kwargs):
        try:
            return getattr(super(ResilientRedisCache, self), name)(*args, **kwargs)
        except UNREACHABLE as error:
            self._unreachable(name, error)
            return getattr(self._local, name)(*args, **kwargs)

    method.__name__ = name
    return method


class ResilientRedisCache(RedisCache):
    _last_logged = 0.0

    def __init__(self, server, params: dict) -> None:
        super().__init__(server, params)
        # A LocMemCache's values belong to its name: every thread's instance of this cache shares them.
        self._local = LocMemCache(f"{__name__}:{server}", params)

    def _unreachable(self, operation: str, error: Exception) -> None:
        now = time.monotonic()
        if now - ResilientRedisCache._last_logged >= LOG_EVERY_SECONDS:
            ResilientRedisCache._last_logged = now
            log.warning(
                "the cache (Redis) is unreachable, using the process's own (%s): %s", operation, error
            )

    def check(self) -> None:
        """Raise if Redis does not answer (the cache's own methods never do)."""
        self._cache.get_client(write=True).ping()

    get = _or_local("get")
    get_many = _or_local("get_many")
    has_key = _or_local("has_key")
    add = _or_local("add")
    set = _or_local("set")
    set_many = _or_local("set_many")
    touch = _or_local("touch")
    incr = _or_local("incr")
    delete = _or_local("delete")
    delete_many = _or_local("delete_many")
    clear = _or_local("clear")
