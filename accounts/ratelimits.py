"""Brute-force protection of log-in, sign-up and password reset.

Attempts are counted per client address and per account name in the default cache: Redis in
production, so every web process counts together; the in-process cache of the embedded default
(no ``REDIS_URL``) counts per process. Each limit is ``settings.ACCOUNT_RATE_LIMITS[name]`` =
``(attempts, seconds)``, read at each request; 0 attempts turns that limit off. A window opens with
the first counted attempt and closes ``seconds`` later, whatever happens in between.

- Log-in (every path through ``authenticate()``, the admin's log-in too, see ``backends.py``):
  *failed* attempts count, per account name and address, and per address alone. Once a count has
  reached its limit every attempt is refused, with the right password too, until the window closes;
  a successful log-in clears the account's count for that address.
- Sign-up and password reset: every attempt counts (per address; a reset per e-mail address too, so
  nobody can fill someone's mailbox), and an attempt beyond the limit is refused.

Refusals raise ``RateLimited``; ``accounts.middleware.RateLimitedMiddleware`` answers them with 429.
"""

import hashlib
import ipaddress
import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

logger = logging.getLogger(__name__)

REASONS = {
    "login_failures_per_account": "There were too many failed log-ins to this account from your address.",
    "login_failures_per_address": "There were too many failed log-ins from your address.",
    "signups_per_address": "There were too many sign-ups from your address.",
    "password_resets_per_address": "Your address asked for too many password resets.",
    "password_resets_per_account": "Too many password resets were asked for this e-mail address.",
}


class RateLimited(Exception):
    """An attempt refused by ``limit`` until ``retry_at`` (seconds since the epoch)."""

    def __init__(self, *, limit: str, retry_at: float) -> None:
        super().__init__(f"{limit} until {retry_at:.0f}")
        self.limit = limit
        self.reason = REASONS[limit]
        self.retry_at = retry_at

    @property
    def retry_after(self) -> int:
        """Whole seconds to wait, at least one."""
        return max(1, math.ceil(self.retry_at - time.time()))


def client_address(request: HttpRequest) -> str:
    """The client's IP address.

    ``X-Forwarded-For`` is trusted only behind ``TRUSTED_PROXY_COUNT`` proxies of one's own (each
    appends the address it got the request from): the client is that many entries from the right.
    Anything before those entries was written by the client and may be made up.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    candidate = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def account_name(name: str) -> str:
    """The account name as counted: e-mail addresses and user names in any case are one account."""
    return " ".join(name.split()).lower()


def _limit(name: str) -> tuple[int, int]:
    attempts, seconds = settings.ACCOUNT_RATE_LIMITS[name]
    return int(attempts), int(seconds)


def _keys(name: str, parts: tuple[str, ...]) -> tuple[str, str]:
    # Hashed: no e-mail address is written to the cache, and keys have one length.
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:40]
    return f"ratelimit:{name}:{digest}", f"ratelimit:{name}:{digest}:ends"


def _count(name: str, parts: tuple[str, ...]) -> tuple[int, float | None]:
    count_key, ends_key = _keys(name, parts)
    values = cache.get_many([count_key, ends_key])
    return int(values.get(count_key, 0)), values.get(ends_key)


def _add(name: str, parts: tuple[str, ...]) -> tuple[int, float]:
    """Count one attempt; returns the count and when its window closes."""
    _attempts, seconds = _limit(name)
    count_key, ends_key = _keys(name, parts)
    for _ in range(3):  # the window may close between add() and incr(): open a new one
        ends = time.time() + seconds
        cache.add(ends_key, ends, timeout=seconds)
        cache.add(count_key, 0, timeout=seconds)
        try:
            count = cache.incr(count_key)
        except ValueError:
            continue
        return count, cache.get(ends_key) or ends
    return 1, time.time() + seconds


def _refuse(name: str, parts: tuple[str, ...], retry_at: float | None, count: int) -> RateLimited:
    retry_at = retry_at or time.time() + _limit(name)[1]
    logger.warning(
        "rate limit %s: refused %s after %d attempts; open again in %d s",
        name,
        " / ".join(parts),
        count,
        max(1, math.ceil(retry_at - time.time())),
    )
    return RateLimited(limit=name, retry_at=retry_at)


def _login_limits(request: HttpRequest, username: str) -> list[tuple[str, tuple[str, ...]]]:
    address = client_address(request)
    return [
        ("login_failures_per_account", (account_name(username), address)),
        ("login_failures_per_address", (address,)),
    ]


def login_attempt_check(request: HttpRequest, username: str) -> None:
    """Raise ``RateLimited`` if log-ins to ``username`` from this address are locked."""
    for name, parts in _login_limits(request, username):
        attempts, _seconds = _limit(name)
        if attempts <= 0:
            continue
        count, ends = _count(name, parts)
        if count >= attempts:
            raise _refuse(name, parts, ends, count)


def login_failure_record(request: HttpRequest, username: str) -> None:
    """Count a failed log-in; raise ``RateLimited`` if it used up the last attempt."""
    reached = None
    for name, parts in _login_limits(request, username):
        attempts, _seconds = _limit(name)
        if attempts <= 0:
            continue
        count, ends = _add(name, parts)
        if count >= attempts and reached is None:
            reached = (name, parts, ends, count)
    if reached is not None:
        raise _refuse(*reached)


def login_success_record(request: HttpRequest, username: str) -> None:
    """A right password: the account's failures from this address are forgotten (not the address's)."""
    name, parts = _login_limits(request, username)[0]
    cache.delete_many(_keys(name, parts))


def _attempt(name: str, parts: tuple[str, ...]) -> None:
    attempts, _seconds = _limit(name)
    if attempts <= 0:
        return
    count, ends = _add(name, parts)
    if count > attempts:
        raise _refuse(name, parts, ends, count)


def signup_attempt_record(request: HttpRequest) -> None:
    """Count a sign-up attempt from this address; raise ``RateLimited`` beyond the limit."""
    _attempt("signups_per_address", (client_address(request),))


def password_reset_attempt_record(request: HttpRequest, email: str) -> None:
    """Count a password-reset request from this address and for ``email``; raise ``RateLimited`` beyond."""
    _attempt("password_resets_per_address", (client_address(request),))
    if email.strip():
        _attempt("password_resets_per_account", (account_name(email),))
