from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from abstracts.models import Abstract
from conference.permissions import LoginRequired, login_redirect, organised_event
from programme.selectors import BOARD_STATUSES, BoardFilters, board_abstracts
from programme.services import (
    NUMBERING_POLICIES,
    ProgrammeRefused,
    abstract_move,
    abstracts_assign_session,
    abstracts_decide,
    poster_code_set,
    poster_codes_assign,
    poster_codes_lock,
)


def board(request: HttpRequest, slug: str) -> HttpResponse:
    """The programme board: filter, decide in bulk, place in sessions, order, number."""
    try:
        event = organised_event(request, slug)
    except LoginRequired:
        return login_redirect(request)
    if request.method == "POST":
        try:
            messages.success(request, _apply(event, request.POST))
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
            "sessions": list(event.sessions.all()),
            "policies": NUMBERING_POLICIES,
            "return_query": request.GET.urlencode(),
        },
    )


def _ids(post) -> list[int]:
    return [int(value) for value in post.getlist("abstract") if value.isdigit()]


def _apply(event, post) -> str:
    # Row buttons carry their abstract: "up:12", "down:12", "code:12".
    action, _, target = post.get("action", "").partition(":")
    if action in ("accept", "reject"):
        ids = _ids(post)
        if not ids:
            raise ProgrammeRefused("Tick the abstracts to decide on first.")
        status = Abstract.Status.ACCEPTED if action == "accept" else Abstract.Status.REJECTED
        changed = abstracts_decide(event=event, abstract_ids=ids, status=status)
        return f"{changed} abstract{'s' if changed != 1 else ''} {status}."
    if action == "session":
        ids = _ids(post)
        if not ids:
            raise ProgrammeRefused("Tick the abstracts to place first.")
        target = post.get("session", "")
        if not (target.isdigit() or target == "none"):
            raise ProgrammeRefused("Choose the session to put them in.")
        moved = abstracts_assign_session(
            event=event, abstract_ids=ids, session_id=int(target) if target.isdigit() else None
        )
        return f"{moved} abstract{'s' if moved != 1 else ''} placed."
    if action in ("up", "down"):
        if not target.isdigit():
            raise ProgrammeRefused("Which abstract should move?")
        abstract_move(event=event, abstract_id=int(target), step=-1 if action == "up" else 1)
        return "Moved."
    if action == "number":
        policy = post.get("policy", "programme")
        count = poster_codes_assign(event=event, policy=policy)
        return f"{count} accepted abstracts numbered {NUMBERING_POLICIES[policy]}."
    if action == "code":
        if not target.isdigit():
            raise ProgrammeRefused("Which abstract's code?")
        abstract = poster_code_set(event=event, abstract_id=int(target), code=post.get(f"code-{target}", ""))
        return f"Code of “{abstract.title}” set to {abstract.code or '(none)'}."
    if action in ("lock", "unlock"):
        poster_codes_lock(event=event, locked=action == "lock")
        return "Poster codes locked." if action == "lock" else "Poster codes unlocked."
    raise ProgrammeRefused("Unknown action.")
