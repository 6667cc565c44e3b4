from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from conference.selectors import event_visible_to
from indexes.selectors import author_index, index_state, keyword_index


def author_index_page(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_visible_to(request.user, slug)
    return render(
        request,
        "indexes/index_page.html",
        {"event": event, "kind": "authors", "groups": author_index(event), "state": index_state(event)},
    )


def keyword_index_page(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_visible_to(request.user, slug)
    return render(
        request,
        "indexes/index_page.html",
        {"event": event, "kind": "keywords", "groups": keyword_index(event), "state": index_state(event)},
    )
