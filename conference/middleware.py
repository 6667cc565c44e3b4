"""A database that cannot be reached answers 503 saying so, not a 500 with a stack trace in the log.

While PostgreSQL restarts or fails over, every query raises ``OperationalError`` (the server
closed the connection, refused it, or did not answer within ``connect_timeout``) or
``InterfaceError`` (a connection that is already closed). The transaction of the request was
rolled back by the server, so nothing half-written is left; the next request opens a new
connection, so the app recovers by itself once the database is back.
"""

import logging
import sqlite3

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
MESSAGE = (
    "The site cannot reach its database for a moment. Please try again in a minute; "
    "if you were sending a form, check whether it arrived before sending it again."
)
# Standalone: the site's base template asks for the signed-in user, which needs the database.
# The stylesheet is the site's own (no inline style: the Content-Security-Policy refuses it).
PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Briefly unavailable</title><link rel="stylesheet" href="{stylesheet}"></head>
<body><main class="page"><h1>Briefly unavailable</h1>
<p>{message}</p></main>
</body>
</html>
"""


def database_unavailable(exception: BaseException) -> bool:
    """Whether ``exception`` says the database cannot be reached now (not a bug in a query)."""
    if isinstance(exception, InterfaceError):
        return True
    if not isinstance(exception, OperationalError):
        return False
    if isinstance(exception.__cause__, sqlite3.OperationalError):
        # SQLite calls a missing table an OperationalError too: a lock or an unreadable file is an outage.
        text = str(exception).lower()
        return "locked" in text or "unable to open" in text or "disk i/o" in text
    return True


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    # Imported here: api.errors loads DRF, whose settings import api.errors (a cycle at start-up).
    from api.errors import API_PREFIX, error_body

    if request.path.startswith(API_PREFIX):
        response = JsonResponse(error_body("database_unavailable", MESSAGE), status=503)
    else:
        page = PAGE.format(stylesheet=static("css/site.css"), message=MESSAGE)
        response = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not database_unavailable(exception):
            return None
        log.warning(
            "%s %s: the database is unavailable (%s: %s); answered 503",
            request.method,
            request.path,
            type(exception).__name__,
            str(exception).strip().splitlines()[0] if str(exception).strip() else "",
        )
        return database_unavailable_response(request)
