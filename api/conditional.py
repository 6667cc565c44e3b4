"""Conditional reads: an ``ETag`` (and ``Last-Modified``) on lists and details whose state is cheap to
tell, and ``304 Not Modified`` when the client's copy is still current.

The state is a few numbers read with one aggregate query (how many rows, the newest change, the
events' revisions, which go up with every change to what the book prints, including the
organisers' reordering that touches no timestamp). The tag also covers who asks (what a reader
may see depends on their roles) and the exact address (filters, page). Because the programme
board's changes move no timestamp, ``304`` answers ``If-None-Match`` only; ``Last-Modified`` is
given for information.
"""

import hashlib
from collections.abc import Callable
from datetime import datetime

from django.db.models import Count, Max, QuerySet, Sum
from django.utils.http import http_date, parse_etags
from rest_framework import status
from rest_framework.response import Response

from api.permissions import organised_event_ids


def queryset_state(
    queryset: QuerySet, *, newest_field: str = "updated_at", revision_field: str = "event__revision"
) -> tuple:
    """(count, newest value of ``newest_field``, sum of the events' revisions) of the rows, in one query.

    Revisions only go up, so their sum over the same rows changes whenever one of them does.
    """
    values = queryset.order_by().aggregate(
        rows=Count("pk"), newest=Max(newest_field), revisions=Sum(revision_field)
    )
    return values["rows"], values["newest"], values["revisions"]


def etag_for(request, state) -> str:
    user = request.user
    viewer = (
        f"{user.pk}:{int(user.is_superuser)}:{sorted(organised_event_ids(request))}"
        if user.is_authenticated
        else "anonymous"
    )
    accept = request.META.get("HTTP_ACCEPT", "")
    digest = hashlib.sha256(f"{state!r}|{viewer}|{request.get_full_path()}|{accept}".encode()).hexdigest()
    return f'W/"{digest[:32]}"'


def conditional_response(
    request, *, state, last_modified: datetime | None, respond: Callable[[], Response]
) -> Response:
    """``respond()`` with the validators set, or a bare 304 if ``If-None-Match`` names our tag."""
    etag = etag_for(request, state)
    headers = {"ETag": etag, "Vary": "Accept, Authorization, Cookie"}
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified.timestamp())
    wanted = parse_etags(request.META.get("HTTP_IF_NONE_MATCH", ""))
    if "*" in wanted or any(_weak_equal(tag, etag) for tag in wanted):
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
    response = respond()
    if response.status_code == status.HTTP_200_OK:
        for name, value in headers.items():
            response[name] = value
    return response


def _weak_equal(a: str, b: str) -> bool:
    return a.removeprefix("W/") == b.removeprefix("W/")
