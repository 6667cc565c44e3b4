"""Organisers' writes to the programme: decisions, sessions, order within a session, poster codes.

Each takes the event and the abstract ids, works inside one transaction with the event's row
locked (two organisers pressing a button at once are served one after the other), and marks the
event changed once, so the indexes and the book follow.
"""

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from abstracts.models import Abstract
from conference.changes import event_changed
from conference.codes import code_sort_key, format_code
from conference.models import Event, Session

DECIDABLE = (Abstract.Status.SUBMITTED, Abstract.Status.ACCEPTED, Abstract.Status.REJECTED)


class ProgrammeRefused(Exception):
    """The change cannot be made; the message says why, for the organiser."""


def _locked_event(event_id: int) -> Event:
    return Event.objects.select_for_update().get(pk=event_id)


def _abstract_of(event: Event, abstract_id: int) -> Abstract:
    abstract = Abstract.objects.filter(event=event, pk=abstract_id).first()
    if abstract is None:
        raise ProgrammeRefused("That abstract is not in this event (any more).")
    return abstract


def abstracts_decide(*, event: Event, abstract_ids: list[int], status: str) -> int:
    """Accept or reject submitted abstracts (or change an earlier decision). Returns how many changed."""
    if status not in (Abstract.Status.ACCEPTED, Abstract.Status.REJECTED):
        raise ProgrammeRefused(f"{status!r} is not a decision (accepted or rejected).")
    with transaction.atomic():
        _locked_event(event.pk)
        changed = (
            Abstract.objects.filter(event=event, pk__in=abstract_ids, status__in=DECIDABLE)
            .exclude(status=status)
            .update(status=status, updated_at=timezone.now())
        )
        if changed:
            event_changed(event.pk)
    return changed


def abstracts_assign_session(*, event: Event, abstract_ids: list[int], session_id: int | None) -> int:
    """Put abstracts in a session (or in none), at its end in the order of their current place."""
    with transaction.atomic():
        _locked_event(event.pk)
        if session_id is not None and not Session.objects.filter(pk=session_id, event=event).exists():
            raise ProgrammeRefused("That session does not belong to this event.")
        moving = list(
            Abstract.objects.filter(event=event, pk__in=abstract_ids)
            .exclude(session_id=session_id)
            .order_by(F("order").asc(nulls_last=True), "code_sort", "pk")
        )
        last = (
            Abstract.objects.filter(event=event, session_id=session_id).aggregate(last=Max("order"))["last"]
            or 0
        )
        for offset, abstract in enumerate(moving, 1):
            abstract.session_id = session_id
            abstract.order = last + offset
        Abstract.objects.bulk_update(moving, ["session", "order"])
        if moving:
            event_changed(event.pk)
    return len(moving)


def abstract_move(*, event: Event, abstract_id: int, step: int) -> None:
    """Move an abstract ``step`` places up (negative) or down within its session."""
    with transaction.atomic():
        _locked_event(event.pk)
        abstract = _abstract_of(event, abstract_id)
        siblings = list(
            Abstract.objects.filter(event=event, session_id=abstract.session_id).order_by(
                F("order").asc(nulls_last=True), "code_sort", "pk"
            )
        )
        at = next(i for i, other in enumerate(siblings) if other.pk == abstract.pk)
        to = max(0, min(len(siblings) - 1, at + step))
        if to == at:
            return
        siblings.insert(to, siblings.pop(at))
        for position, other in enumerate(siblings, 1):
            other.order = position
        Abstract.objects.bulk_update(siblings, ["order"])
        event_changed(event.pk)


NUMBERING_POLICIES = {
    "programme": "by session, in programme order",
    "submission": "in order of submission",
}


def poster_codes_assign(*, event: Event, policy: str = "programme") -> int:
    """Give every accepted abstract a code from the event's pattern, 1, 2, 3 … in ``policy`` order.

    Codes of abstracts that are not accepted are cleared, so no old code stands in the way.
    Refused while the event's codes are locked.
    """
    if policy not in NUMBERING_POLICIES:
        raise ProgrammeRefused(f"{policy!r} is not a numbering policy ({', '.join(NUMBERING_POLICIES)}).")
    with transaction.atomic():
        locked = _locked_event(event.pk)
        if locked.codes_locked:
            raise ProgrammeRefused("The poster codes are locked; unlock them first.")
        accepted = Abstract.objects.filter(event=event, status=Abstract.Status.ACCEPTED)
        if policy == "programme":
            ordered = accepted.order_by(
                F("session__order").asc(nulls_last=True),
                "session__title",
                F("order").asc(nulls_last=True),
                "code_sort",
                "pk",
            )
        else:
            ordered = accepted.order_by(F("submitted_at").asc(nulls_last=True), "created_at", "pk")
        abstracts = list(ordered)
        Abstract.objects.filter(event=event).exclude(code="").update(code="", code_sort="")
        for number, abstract in enumerate(abstracts, 1):
            abstract.code = format_code(locked.poster_code_pattern, number)
            abstract.code_sort = code_sort_key(abstract.code)
        Abstract.objects.bulk_update(abstracts, ["code", "code_sort"], batch_size=500)
        event_changed(event.pk)
    return len(abstracts)


def poster_code_set(*, event: Event, abstract_id: int, code: str) -> Abstract:
    """Give one abstract a code by hand (empty clears it); unique within the event."""
    code = code.strip()
    with transaction.atomic():
        locked = _locked_event(event.pk)
        if locked.codes_locked:
            raise ProgrammeRefused("The poster codes are locked; unlock them first.")
        abstract = _abstract_of(event, abstract_id)
        if len(code) > 40:
            raise ProgrammeRefused("A code has at most 40 characters.")
        holder = (
            Abstract.objects.filter(event=event, code=code).exclude(pk=abstract.pk).first() if code else None
        )
        if holder is not None:
            raise ProgrammeRefused(f"{code} is already the code of “{holder.title}”.")
        abstract.code = code
        abstract.save(update_fields=["code", "code_sort", "updated_at"])
        event_changed(event.pk)
    return abstract


def poster_codes_lock(*, event: Event, locked: bool) -> None:
    Event.objects.filter(pk=event.pk).update(codes_locked=locked)
