"""Answers for refused log-ins, sign-ups and resets (429), and the Content Security Policy header."""

import datetime
import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.ratelimits import RateLimited


class RateLimitedMiddleware:
    """Turns ``RateLimited`` (raised by the log-in backend, sign-up and password reset) into a 429 page
    that says what was refused and when to try again, with ``Retry-After``."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, RateLimited):
            return None
        seconds = exception.retry_after
        retry_at = timezone.localtime(timezone.now() + datetime.timedelta(seconds=seconds))
        response = render(
            request,
            "accounts/rate_limited.html",
            {"reason": exception.reason, "retry_at": retry_at, "minutes": math.ceil(seconds / 60)},
            status=429,
        )
        response["Retry-After"] = str(seconds)
        return response


class ContentSecurityPolicyMiddleware:
    """Sets ``Content-Security-Policy`` on HTML pages (JSON and PDFs need none).

    The app's pages load only its own scripts and styles, with no inline ones, so the policy
    (``settings.CONTENT_SECURITY_POLICY``) allows nothing else. Pages we do not write keep what they
    need: ``CONTENT_SECURITY_POLICY_BY_PATH`` maps a path prefix to its own policy (the admin's
    change lists write style attributes; Swagger UI's page has an inline script).
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        is_page = response.get("Content-Type", "").startswith("text/html")
        if not is_page or "Content-Security-Policy" in response:
            return response
        policy = settings.CONTENT_SECURITY_POLICY
        for prefix, own_policy in settings.CONTENT_SECURITY_POLICY_BY_PATH.items():
            if request.path.startswith(prefix):
                policy = own_policy
                break
        if policy:
            response["Content-Security-Policy"] = policy
        return response
