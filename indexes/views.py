from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from conference.models import Event
from indexes.selectors import author_index, index_state, keyword_index


def _published_event(request: HttpRequest, slug: str) -> Event:
    event = get_object_or_404(Event, slug=slug)
    if not event.is_published and not request.user.is_staff:
        raise Http404("No such event.")
    return event


def author_index_page(request: HttpRequest, slug: str) -> HttpResponse:
    event = _published_event(request, slug)
    return render(
        request,
        "indexes/index_page.html",
        {"event": event, "kind": "authors", "groups": author_index(event), "state": index_state(event)},
    )


def keyword_index_page(request: HttpRequest, slug: str) -> HttpResponse:
    event = _published_event(request, slug)
    return render(
        request,
        "indexes/index_page.html",
        {"event": event, "kind": "keywords", "groups": keyword_index(event), "state": index_state(event)},
    )
