from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from abstracts.selectors import programme
from books.models import BookBuild
from books.selectors import active_build, build_history, latest_good_build
from books.services import book_build_request
from conference.permissions import organiser_required
from conference.selectors import event_visible_to
from indexes.selectors import author_index, index_state, keyword_index


def _pdf_response(build: BookBuild) -> FileResponse:
    try:
        file = build.pdf.open("rb")
    except FileNotFoundError as error:
        raise Http404("This book's PDF is no longer stored.") from error
    return FileResponse(
        file, content_type="application/pdf", filename=f"{build.event.slug}-book-of-abstracts.pdf"
    )


def book_pdf(request: HttpRequest, slug: str) -> FileResponse:
    """The latest good PDF: what the event page links to, whatever is building right now."""
    event = event_visible_to(request.user, slug)
    build = latest_good_build(event)
    if build is None:
        raise Http404("No book of abstracts has been built for this event yet.")
    return _pdf_response(build)


@organiser_required
def build_pdf(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    build = get_object_or_404(
        BookBuild.objects.select_related("event"), pk=pk, event__slug=slug, status=BookBuild.Status.SUCCEEDED
    )
    if not build.pdf:
        raise Http404("This build's PDF has been replaced by newer ones and is no longer stored.")
    return _pdf_response(build)


def book_html(request: HttpRequest, slug: str) -> HttpResponse:
    """The HTML edition: the same partials as the PDF, with links instead of page numbers."""
    event = event_visible_to(request.user, slug)
    groups = programme(event)
    contents = [
        {
            "title": group.title,
            "lines": [{"abstract": abstract, "page": None} for abstract in group.abstracts],
        }
        for group in groups
    ]
    return render(
        request,
        "book/edition.html",
        {
            "event": event,
            "groups": groups,
            "contents": contents,
            "back_matter": [("Author index", "author-index"), ("Keyword index", "keyword-index")],
            "author_groups": author_index(event),
            "keyword_groups": keyword_index(event),
            "index_state": index_state(event),
            "logo_src": event.logo.url if event.logo else "",
            "book": latest_good_build(event),
            "pdf": False,
        },
    )


@organiser_required
def build_list(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_visible_to(request.user, slug)
    return render(
        request,
        "book/builds.html",
        {
            "event": event,
            "builds": build_history(event),
            "active": active_build(event),
            "book": latest_good_build(event),
            "kind": "book",
        },
    )


@organiser_required
def build_status(request: HttpRequest, slug: str) -> JsonResponse:
    """What the organisers' page polls while a build runs."""
    event = event_visible_to(request.user, slug)
    active = active_build(event)
    book = latest_good_build(event)
    return JsonResponse(
        {
            "active": None
            if active is None
            else {
                "id": active.pk,
                "status": active.status,
                "phase": active.get_phase_display(),
                "progress": active.progress,
                "slices_total": active.slices_total,
                "slices_to_render": active.slices_to_render,
                "slices_rendered": active.slices_rendered,
            },
            "latest": None
            if book is None
            else {
                "id": book.pk,
                "revision": book.revision,
                "pages": book.pages,
                "url": book.get_download_url(),
            },
        }
    )


@organiser_required
@require_POST
def build_request(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_visible_to(request.user, slug)
    build = book_build_request(event_id=event.pk, forced=True)
    if build is not None:
        messages.success(request, "A new build of the book is queued; this page shows its progress.")
    return redirect("books:builds", slug=event.slug)
