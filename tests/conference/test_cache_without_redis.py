"""The Redis cache with no Redis to reach (a closed port) behaves like the embedded default's LocMemCache.

Runs in both passes: the cache is built here, on a Redis URL that nothing listens on.
tests/faults/test_limits_without_redis.py stops a real Redis under a running server.
"""

import itertools
import time

import pytest
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import ConnectionError as RedisConnectionError

from conference.cache import ResilientRedisCache

PARAMS = {"KEY_PREFIX": "abstractbook", "VERSION": 3, "TIMEOUT": 1, "OPTIONS": {"socket_connect_timeout": 2}}
_databases = itertools.count(1)


def closed_port_url() -> str:
    """A Redis URL nothing answers on; each has a database number of its own, so tests share no values."""
    return f"redis://127.0.0.1:1/{next(_databases)}"


def calls(cache) -> list:
    """Every operation of the cache, in an order that uses what the earlier ones left."""
    answers = [
        cache.get("a"),
        cache.get("a", "default"),
        cache.set("a", 1),
        cache.get("a"),
        cache.add("a", 2),
        cache.add("b", [1, 2]),
        cache.get_many(["a", "b", "c"]),
        cache.has_key("b"),
        cache.has_key("c"),
        cache.incr("a"),
        cache.incr("a", 10),
        cache.decr("a"),
    ]
    with pytest.raises(ValueError):
        cache.incr("missing")
    answers += [
        cache.set_many({"c": "x", "d": "y"}),
        cache.touch("c", None),
        cache.touch("missing"),
        cache.delete("d"),
        cache.delete("d"),
        cache.delete_many(["a", "b"]),
        cache.get_many(["a", "b", "c", "d"]),
        cache.set("v", "of version 2", version=2),
        cache.get("v"),
        cache.get("v", version=2),
        cache.set("gone", 1, timeout=0),
        cache.get("gone"),
        cache.get_or_set("e", 5),
        cache.set("kept", "for ever", timeout=None),
        cache.set("short", "for the default second"),
    ]
    return answers


EXPECTED = [
    None, "default", None, 1, False, True, {"a": 1, "b": [1, 2]}, True, False, 2, 12, 11,
    [], True, False, True, False, None, {"c": "x"}, None, None, "of version 2", None, None, 5, None, None,
]  # fmt: skip


def test_every_call_without_redis_answers_as_a_locmemcache_does():
    without_redis = ResilientRedisCache(closed_port_url(), PARAMS)
    locmem = LocMemCache("test-cache-without-redis", PARAMS)
    locmem.clear()

    assert calls(without_redis) == EXPECTED
    assert calls(locmem) == EXPECTED

    time.sleep(1.1)  # the default timeout (TIMEOUT) is a second
    for cache in (without_redis, locmem):
        assert cache.get_many(["c", "kept", "short"]) == {"c": "x", "kept": "for ever"}
        cache.clear()
        assert cache.get_many(["c", "kept"]) == {}
    with pytest.raises(RedisConnectionError):  # /health/ still learns of the outage
        without_redis.check()


def test_a_counter_keeps_counting_without_redis_and_each_key_prefix_has_its_own():
    url = closed_port_url()
    without_redis = ResilientRedisCache(url, PARAMS)
    same_server_and_prefix = ResilientRedisCache(url, PARAMS)  # as another thread's instance is
    other_prefix = ResilientRedisCache(url, {**PARAMS, "KEY_PREFIX": "other"})

    assert without_redis.add("count", 0, timeout=60)
    counts = [without_redis.incr("count") for _ in range(3)] + [same_server_and_prefix.incr("count")]

    assert counts == [1, 2, 3, 4]
    assert other_prefix.get("count") is None
    assert same_server_and_prefix.get("count") == 4
