"""Organisers' writes to the programme: decisions, sessions, order within a session, poster codes.

Each takes the event and the abstract ids, works inside one transaction with the event's row
locked (two organisers pressing a button at once are served one after the other), and marks the
event changed once, so the indexes and the book follow.
"""

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from abstracts.models import Abstract
from audit.models import AuditEntry
from audit.services import audit_record, audit_record_each
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


def abstracts_decide(*, event: Event, abstract_ids: list[int], status: str, actor=None) -> int:
    """Accept or reject submitted abstracts (or change an earlier decision). Returns how many changed."""
    if status not in (Abstract.Status.ACCEPTED, Abstract.Status.REJECTED):
        raise ProgrammeRefused(f"{status!r} is not a decision (accepted or rejected).")
    with transaction.atomic():
        _locked_event(event.pk)
        changing = list(
            Abstract.objects.filter(event=event, pk__in=abstract_ids, status__in=DECIDABLE)
            .exclude(status=status)
            .values_list("pk", "status")
        )
        Abstract.objects.filter(pk__in=[pk for pk, _ in changing]).update(
            status=status, updated_at=timezone.now()
        )
        audit_record_each(
            event_id=event.pk,
            actor=actor,
            action=AuditEntry.Action.STATUS,
            changes=(
                (pk, f"Status {before} → {status}", {"from": before, "to": status}) for pk, before in changing
            ),
        )
        if changing:
            event_changed(event.pk)
    return len(changing)


def abstracts_assign_session(
    *, event: Event, abstract_ids: list[int], session_id: int | None, actor=None
) -> int:
    """Put abstracts in a session (or in none), at its end in the order of their current place."""
    with transaction.atomic():
        _locked_event(event.pk)
        session = Session.objects.filter(pk=session_id, event=event).first() if session_id else None
        if session_id is not None and session is None:
            raise ProgrammeRefused("That session does not belong to this event.")
        moving = list(
            Abstract.objects.filter(event=event, pk__in=abstract_ids)
            .exclude(session_id=session_id)
            .select_related("session")
            .order_by(F("order").asc(nulls_last=True), "code_sort", "pk")
        )
        new_title = session.title if session else "no session"
        audit_record_each(
            event_id=event.pk,
            actor=actor,
            action=AuditEntry.Action.SESSION,
            changes=(
                (
                    abstract.pk,
                    f"Session {abstract.session.title if abstract.session else 'none'} → {new_title}",
                    {"from": abstract.session_id, "to": session_id},
                )
                for abstract in moving
            ),
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


def abstract_move(*, event: Event, abstract_id: int, step: int, actor=None) -> None:
    """Move an abstract ``step`` places up (negative) or down within its session."""
    _reorder(event=event, abstract_id=abstract_id, to_place=lambda at, siblings: at + step, actor=actor)


def abstract_place(*, event: Event, abstract_id: int, next_to_id: int, after: bool, actor=None) -> None:
    """Put an abstract just before (or after) another of the same session, as a drag and drop does.

    Relative to a neighbour rather than at a number, so a filtered board moves it where it was dropped.
    """

    def beside_neighbour(at: int, siblings: list[Abstract]) -> int:
        others = [other.pk for other in siblings if other.pk != abstract_id]
        if next_to_id not in others:
            raise ProgrammeRefused("Drop it next to an abstract of its own session.")
        return others.index(next_to_id) + (1 if after else 0)

    _reorder(event=event, abstract_id=abstract_id, to_place=beside_neighbour, actor=actor)


def _reorder(*, event: Event, abstract_id: int, to_place, actor) -> None:
    with transaction.atomic():
        _locked_event(event.pk)
        abstract = _abstract_of(event, abstract_id)
        siblings = list(
            Abstract.objects.filter(event=event, session_id=abstract.session_id).order_by(
                F("order").asc(nulls_last=True), "code_sort", "pk"
            )
        )
        at = next(i for i, other in enumerate(siblings) if other.pk == abstract.pk)
        to = max(0, min(len(siblings) - 1, to_place(at, siblings)))
        if to == at:
            return
        siblings.insert(to, siblings.pop(at))
        for position, other in enumerate(siblings, 1):
            other.order = position
        Abstract.objects.bulk_update(siblings, ["order"])
        audit_record(
            event_id=event.pk,
            actor=actor,
            action=AuditEntry.Action.ORDER,
            abstract_id=abstract.pk,
            summary=f"Moved from place {at + 1} to {to + 1} in its session",
            details={"from": at + 1, "to": to + 1},
        )
        event_changed(event.pk)


NUMBERING_POLICIES = {
    "programme": "by session, in programme order",
    "submission": "in order of submission",
}


def poster_codes_assign(*, event: Event, policy: str = "programme", actor=None) -> int:
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
        before = dict(Abstract.objects.filter(event=event).exclude(code="").values_list("pk", "code"))
        Abstract.objects.filter(event=event).exclude(code="").update(code="", code_sort="")
        for number, abstract in enumerate(abstracts, 1):
            abstract.code = format_code(locked.poster_code_pattern, number)
            abstract.code_sort = code_sort_key(abstract.code)
        Abstract.objects.bulk_update(abstracts, ["code", "code_sort"], batch_size=500)
        after = {abstract.pk: abstract.code for abstract in abstracts}
        audit_record_each(
            event_id=event.pk,
            actor=actor,
            action=AuditEntry.Action.CODE,
            changes=(
                (
                    pk,
                    f"Code {before.get(pk) or '(none)'} → {after.get(pk) or '(none)'}",
                    {"from": before.get(pk, ""), "to": after.get(pk, ""), "policy": policy},
                )
                for pk in sorted(before.keys() | after.keys())
                if before.get(pk) != after.get(pk)
            ),
        )
        audit_record(
            event_id=event.pk,
            actor=actor,
            action=AuditEntry.Action.CODE,
            summary=f"Numbered {len(abstracts)} accepted abstracts {NUMBERING_POLICIES[policy]}",
            details={"policy": policy, "count": len(abstracts)},
        )
        event_changed(event.pk)
    return len(abstracts)


def poster_code_set(*, event: Event, abstract_id: int, code: str, actor=None) -> Abstract:
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
        previous = abstract.code
        abstract.code = code
        abstract.save(update_fields=["code", "code_sort", "updated_at"])
        if previous != code:
            audit_record(
                event_id=event.pk,
                actor=actor,
                action=AuditEntry.Action.CODE,
                abstract_id=abstract.pk,
                summary=f"Code {previous or '(none)'} → {code or '(none)'} (by hand)",
                details={"from": previous, "to": code},
            )
        event_changed(event.pk)
    return abstract


def poster_codes_lock(*, event: Event, locked: bool, actor=None) -> None:
    with transaction.atomic():
        Event.objects.filter(pk=event.pk).update(codes_locked=locked)
        audit_record(
            event_id=event.pk,
            actor=actor,
            action=AuditEntry.Action.CODE,
            summary="Poster codes locked" if locked else "Poster codes unlocked",
        )
