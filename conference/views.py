from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from abstracts.selectors import programme
from books.selectors import latest_good_build
from conference.health import run_health_checks
from conference.selectors import event_visible_to, events_visible_to


def event_list(request: HttpRequest) -> HttpResponse:
    return render(request, "conference/event_list.html", {"events": events_visible_to(request.user)})


def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_visible_to(request.user, slug)
    groups = programme(event)
    return render(
        request,
        "conference/event_detail.html",
        {
            "event": event,
            "groups": groups,
            "abstract_count": sum(len(g.abstracts) for g in groups),
            "book": latest_good_build(event),
        },
    )


def health(request: HttpRequest) -> JsonResponse:
    """Liveness of the parts the app needs; ``?worker=1`` also asks a Celery worker to answer."""
    checks = run_health_checks(include_worker=request.GET.get("worker") == "1")
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"ok": healthy, "checks": checks}, status=200 if healthy else 503)
