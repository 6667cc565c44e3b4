"""Checks of the parts the app runs on, for /health/ and the compose health checks."""

import time
import uuid

from celery.exceptions import TimeoutError as CeleryTimeout
from django.core.cache import cache, caches
from django.db import connection

from conference.celery import app as celery_app


def _timed(check) -> dict:
    started = time.monotonic()
    try:
        detail = check()
        ok = True
    except Exception as error:
        detail, ok = f"{type(error).__name__}: {error}", False
    return {"ok": ok, "detail": detail, "ms": round((time.monotonic() - started) * 1000, 1)}


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _cache() -> str:
    backend = caches["default"]
    if hasattr(backend, "check"):  # the Redis cache hides an outage from the app, not from here
        backend.check()
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("value written to the cache was not read back")
    cache.delete(key)
    return type(caches["default"]).__name__


def _broker() -> str:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        return conn.transport_cls if isinstance(conn.transport_cls, str) else conn.as_uri()


def _worker() -> str:
    from conference.tasks import ping

    try:
        return ping.apply_async(expires=10).get(timeout=5)
    except CeleryTimeout:
        raise RuntimeError("no worker answered within 5 s") from None


def run_health_checks(*, include_worker: bool = False) -> dict[str, dict]:
    checks = {"database": _timed(_database), "cache": _timed(_cache), "broker": _timed(_broker)}
    if include_worker:
        checks["worker"] = _timed(_worker)
    return checks
