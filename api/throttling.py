"""Request rates: per address for anonymous use, per token for scripts, per account for the browser.

The rates are the ``API_THROTTLE_RATES`` setting (from environment variables), read at each request
so that tests can change them. Counters live in the default cache: Redis in production, so every
web process counts together; the in-process cache of the embedded default counts per process.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from api.authentication import request_token


class _ConfiguredRate(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        # The rate is read per request (the class reads it once, at construction, otherwise).
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class AnonymousThrottle(_ConfiguredRate):
    scope = "anon"

    def get_cache_key(self, request, view) -> str | None:
        if request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenThrottle(_ConfiguredRate):
    scope = "token"

    def get_cache_key(self, request, view) -> str | None:
        token = request_token(request)
        if token is None:
            return None
        # The prefix is random: a key of a token from an earlier test database is never reused.
        return self.cache_format % {"scope": self.scope, "ident": f"{token.pk}-{token.prefix}"}


class SessionUserThrottle(_ConfiguredRate):
    scope = "user"

    def get_cache_key(self, request, view) -> str | None:
        if not request.user.is_authenticated or request_token(request) is not None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
