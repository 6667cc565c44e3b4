from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from abstracts.models import Abstract
from abstracts.selectors import printed_abstract, with_print_relations
from audit.selectors import abstract_history
from conference.permissions import LoginRequired, login_redirect, organised_event
from programme.selectors import BOARD_SORTS, BOARD_STATUSES, REVIEW_PROGRESS, BoardFilters, board_abstracts
from programme.services import (
    NUMBERING_POLICIES,
    ProgrammeRefused,
    abstract_move,
    abstract_place,
    abstracts_assign_session,
    abstracts_decide,
    poster_code_set,
    poster_codes_assign,
    poster_codes_lock,
)
from reviews.selectors import review_panel


def board(request: HttpRequest, slug: str) -> HttpResponse:
    """The programme board: filter, decide in bulk, place in sessions, order, number."""
    try:
        event = organised_event(request, slug)
    except LoginRequired:
        return login_redirect(request)
    if request.method == "POST":
        try:
            messages.success(request, _apply(event, request.POST, request.user))
        except ProgrammeRefused as refused:
            messages.error(request, str(refused))
        query = request.POST.get("return_query", "")
        return redirect(request.path + (f"?{query}" if query and "\n" not in query else ""))
    filters = BoardFilters.from_query(request.GET)
    abstracts = list(board_abstracts(event, filters))
    return render(
        request,
        "programme/board.html",
        {
            "event": event,
            "abstracts": abstracts,
            "filters": filters,
            "statuses": BOARD_STATUSES,
            "review_progress": REVIEW_PROGRESS,
            "sorts": BOARD_SORTS,
            "sessions": list(event.sessions.all()),
            "policies": NUMBERING_POLICIES,
            "return_query": request.GET.urlencode(),
        },
    )


def _ids(post) -> list[int]:
    return [int(value) for value in post.getlist("abstract") if value.isdigit()]


def _apply(event, post, actor) -> str:
    # Row buttons carry their abstract: "up:12", "down:12", "code:12".
    action, _, target = post.get("action", "").partition(":")
    if action in ("accept", "reject"):
        ids = _ids(post)
        if not ids:
            raise ProgrammeRefused("Tick the abstracts to decide on first.")
        status = Abstract.Status.ACCEPTED if action == "accept" else Abstract.Status.REJECTED
        changed = abstracts_decide(event=event, abstract_ids=ids, status=status, actor=actor)
        return f"{changed} abstract{'s' if changed != 1 else ''} {status}."
    if action == "session":
        ids = _ids(post)
        if not ids:
            raise ProgrammeRefused("Tick the abstracts to place first.")
        target = post.get("session", "")
        if not (target.isdigit() or target == "none"):
            raise ProgrammeRefused("Choose the session to put them in.")
        moved = abstracts_assign_session(
            event=event, abstract_ids=ids, session_id=int(target) if target.isdigit() else None, actor=actor
        )
        return f"{moved} abstract{'s' if moved != 1 else ''} placed."
    if action in ("up", "down"):
        if not target.isdigit():
            raise ProgrammeRefused("Which abstract should move?")
        abstract_move(event=event, abstract_id=int(target), step=-1 if action == "up" else 1, actor=actor)
        return "Moved."
    if action == "place":
        # Sent by board.js after a drag: "place:<moved pk>" with the neighbour it was dropped next to.
        neighbour, side = post.get("next_to", ""), post.get("side", "")
        if not target.isdigit() or not neighbour.isdigit() or side not in ("before", "after"):
            raise ProgrammeRefused("Which abstract, and where to?")
        abstract_place(
            event=event,
            abstract_id=int(target),
            next_to_id=int(neighbour),
            after=side == "after",
            actor=actor,
        )
        return "Moved."
    if action == "number":
        policy = post.get("policy", "programme")
        count = poster_codes_assign(event=event, policy=policy, actor=actor)
        return f"{count} accepted abstracts numbered {NUMBERING_POLICIES[policy]}."
    if action == "code":
        if not target.isdigit():
            raise ProgrammeRefused("Which abstract's code?")
        abstract = poster_code_set(
            event=event, abstract_id=int(target), code=post.get(f"code-{target}", ""), actor=actor
        )
        return f"Code of “{abstract.title}” set to {abstract.code or '(none)'}."
    if action in ("lock", "unlock"):
        poster_codes_lock(event=event, locked=action == "lock", actor=actor)
        return "Poster codes locked." if action == "lock" else "Poster codes unlocked."
    raise ProgrammeRefused("Unknown action.")


def abstract_record(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One abstract as organisers see it: whatever its status, with what was done to it and by whom."""
    try:
        event = organised_event(request, slug)
    except LoginRequired:
        return login_redirect(request)
    abstract = get_object_or_404(
        with_print_relations(Abstract.objects).select_related("submitter", "preferred_session"),
        event=event,
        pk=pk,
    )
    return render(
        request,
        "programme/abstract_record.html",
        {
            "event": event,
            "record": abstract,
            "abstract": printed_abstract(abstract),
            "history": list(abstract_history(abstract.pk)),
            "review_panel": review_panel(event, abstract),
        },
    )
