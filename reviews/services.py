"""Reviewers assigned to abstracts (by hand, or balanced in bulk), unassigned, and the reviews they give.

Assigning and unassigning are organisers' changes: each runs in one transaction holding the event's
row lock (two organisers assigning at once are served one after the other, so the loads balanced are
current) and is recorded in the audit trail. Reviews change nothing the book prints, so no service
here marks the event changed.
"""

import heapq
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from abstracts.models import Abstract, Affiliation
from abstracts.templatetags.abstract_markup import plain_text
from audit.models import AuditEntry
from audit.services import audit_record, audit_record_each
from conference.models import Event
from reviews.models import Review, ReviewAssignment
from reviews.permissions import is_reviewer
from reviews.selectors import conflict_index, conflict_text, event_reviewers

User = get_user_model()

COMMENT_MAX_LENGTH = 10_000
PER_ABSTRACT_MAX = 20
_NAMED_AT_MOST = 10  # a message names this many abstracts, then says how many more


class ReviewRefused(Exception):
    """The change cannot be made; the message says why, for the person who asked."""


@dataclass(frozen=True)
class Unfilled:
    abstract_id: int
    title: str
    reviewers: int  # how many it has now


@dataclass(frozen=True)
class BalancedAssignment:
    assigned: int  # new assignments
    abstracts: int  # abstracts that got at least one
    unfilled: tuple[Unfilled, ...]  # abstracts left with fewer than asked
    per_abstract: int
    not_reviewable: int = 0  # chosen abstracts left out: not submitted (or not in the event)


def _locked_event(event_id: int) -> Event:
    return Event.objects.select_for_update().get(pk=event_id)


def _quoted(titles: list[str]) -> str:
    named = ", ".join(f"“{plain_text(title)}”" for title in titles[:_NAMED_AT_MOST])
    more = len(titles) - _NAMED_AT_MOST
    return f"{named} and {more} more" if more > 0 else named


def _reviewable(event: Event, abstract_ids: Collection[int] | None) -> list[dict]:
    """The event's submitted abstracts (all, or those among ``abstract_ids``), by id."""
    abstracts = Abstract.objects.filter(event=event, status=Abstract.Status.SUBMITTED).order_by("pk")
    rows = list(abstracts.values("pk", "title"))
    if abstract_ids is not None:
        wanted = set(abstract_ids)
        rows = [row for row in rows if row["pk"] in wanted]
    return rows


def _assigned_in_event(event: Event) -> dict[int, set[int]]:
    assigned: dict[int, set[int]] = defaultdict(set)
    for abstract_id, reviewer_id in ReviewAssignment.objects.filter(abstract__event=event).values_list(
        "abstract_id", "reviewer_id"
    ):
        assigned[abstract_id].add(reviewer_id)
    return assigned


def _record_assignments(event: Event, actor, new: list[ReviewAssignment], titles: dict[int, str], how: str):
    emails = {}
    per_abstract: dict[int, list[int]] = defaultdict(list)
    for assignment in new:
        per_abstract[assignment.abstract_id].append(assignment.reviewer_id)
        emails[assignment.reviewer_id] = assignment.reviewer.email
    audit_record_each(
        event_id=event.pk,
        actor=actor,
        action=AuditEntry.Action.REVIEW,
        changes=(
            (
                abstract_id,
                f"Reviewer{'s' if len(reviewer_ids) > 1 else ''} assigned ({how}): "
                + ", ".join(emails[pk] for pk in reviewer_ids),
                {"assigned": reviewer_ids, "how": how, "title": titles[abstract_id]},
            )
            for abstract_id, reviewer_ids in per_abstract.items()
        ),
    )


def reviewers_assign(
    *, event: Event, abstract_ids: Collection[int], reviewer_ids: Collection[int], actor
) -> int:
    """Assign each of the reviewers to each of the abstracts, by hand. Returns how many were new.

    Refuses, changing nothing, if a user is not a reviewer of the event, an abstract is not a
    submitted abstract of the event, or a reviewer conflicts with an abstract (each one is named).
    Pairs already assigned are left as they are.
    """
    abstract_ids, reviewer_ids = set(abstract_ids), set(reviewer_ids)
    if not abstract_ids:
        raise ReviewRefused("Choose the abstracts to assign first.")
    if not reviewer_ids:
        raise ReviewRefused("Choose a reviewer to assign.")
    with transaction.atomic():
        _locked_event(event.pk)
        reviewers = {user.pk: user for user in event_reviewers(event)}
        not_reviewers = reviewer_ids - set(reviewers)
        if not_reviewers:
            names = sorted(User.objects.filter(pk__in=not_reviewers).values_list("email", flat=True))
            if not names:
                raise ReviewRefused("That person does not exist (any more).")
            verb = "is not a reviewer" if len(names) == 1 else "are not reviewers"
            raise ReviewRefused(
                f"{', '.join(names)} {verb} of this event: give them the reviewer role in the event's "
                "admin page first."
            )
        abstracts = list(
            Abstract.objects.filter(event=event, pk__in=abstract_ids).values("pk", "title", "status")
        )
        if len(abstracts) < len(abstract_ids):
            raise ReviewRefused("That abstract is not in this event (any more).")
        not_submitted = [row["title"] for row in abstracts if row["status"] != Abstract.Status.SUBMITTED]
        if not_submitted:
            raise ReviewRefused(f"Only submitted abstracts are reviewed, and not {_quoted(not_submitted)}.")
        titles = {row["pk"]: row["title"] for row in abstracts}
        index = conflict_index(event, [reviewers[pk] for pk in reviewer_ids], titles.keys())
        conflicts = [
            (reviewers[reviewer_id], titles[abstract_id], conflict)
            for abstract_id in sorted(titles)
            for reviewer_id, conflict in index.conflicts(abstract_id).items()
            if reviewer_id in reviewer_ids
        ]
        if conflicts:
            affiliation_ids = set().union(*(conflict.affiliation_ids for _, _, conflict in conflicts))
            names = dict(Affiliation.objects.filter(pk__in=affiliation_ids).values_list("pk", "name"))
            texts = [
                conflict_text(reviewer, title, conflict, names) for reviewer, title, conflict in conflicts
            ]
            more = f"; and {len(texts) - _NAMED_AT_MOST} more" if len(texts) > _NAMED_AT_MOST else ""
            raise ReviewRefused(
                "Nobody was assigned, as some would review their own work: "
                + "; ".join(texts[:_NAMED_AT_MOST])
                + more
                + "."
            )
        already = set(
            ReviewAssignment.objects.filter(abstract_id__in=titles, reviewer_id__in=reviewer_ids).values_list(
                "abstract_id", "reviewer_id"
            )
        )
        now = timezone.now()
        new = [
            ReviewAssignment(
                abstract_id=abstract_id,
                reviewer=reviewers[reviewer_id],
                assigned_by=actor if getattr(actor, "pk", None) else None,
                assigned_at=now,
            )
            for abstract_id in sorted(titles)
            for reviewer_id in sorted(reviewer_ids)
            if (abstract_id, reviewer_id) not in already
        ]
        ReviewAssignment.objects.bulk_create(new)
        _record_assignments(event, actor, new, titles, "by hand")
    return len(new)


def reviewers_assign_balanced(
    *, event: Event, abstract_ids: Collection[int] | None, per_abstract: int, actor
) -> BalancedAssignment:
    """Top every chosen submitted abstract up to ``per_abstract`` reviewers from the event's reviewers.

    ``abstract_ids`` None means every submitted abstract of the event (those that already have
    enough get nothing). For each abstract, in id order, the missing reviewers are the least loaded
    (assignments in this event) of those not already on it and not in conflict with it; equal loads
    go to the lower user id, so the same data gives the same assignment. Without conflicts, the
    loads end up at most one apart when they started equal. Abstracts that run out of
    reviewers are reported. A constant number of queries besides the batched inserts.
    """
    if not 1 <= per_abstract <= PER_ABSTRACT_MAX:
        raise ReviewRefused(f"Reviewers per abstract must be a whole number from 1 to {PER_ABSTRACT_MAX}.")
    if abstract_ids is not None and not abstract_ids:
        raise ReviewRefused("Choose the abstracts to assign first.")
    with transaction.atomic():
        _locked_event(event.pk)
        reviewers = list(event_reviewers(event))
        if not reviewers:
            raise ReviewRefused(
                "This event has no reviewers yet: give people the reviewer role in the event's admin page."
            )
        abstracts = _reviewable(event, abstract_ids)
        assigned = _assigned_in_event(event)
        reviewer_ids = {reviewer.pk for reviewer in reviewers}
        load = Counter({reviewer.pk: 0 for reviewer in reviewers})
        for reviewer_set in assigned.values():
            load.update(reviewer_set & reviewer_ids)
        index = conflict_index(event, reviewers, [row["pk"] for row in abstracts])

        now = timezone.now()
        assigned_by = actor if getattr(actor, "pk", None) else None
        new: list[ReviewAssignment] = []
        unfilled: list[Unfilled] = []
        for row in abstracts:
            have = assigned[row["pk"]]
            missing = per_abstract - len(have)
            if missing <= 0:
                continue
            conflicting = index.conflicts(row["pk"])
            candidates = [r for r in reviewers if r.pk not in have and r.pk not in conflicting]
            chosen = heapq.nsmallest(missing, candidates, key=lambda r: (load[r.pk], r.pk))
            for reviewer in chosen:
                load[reviewer.pk] += 1
                new.append(
                    ReviewAssignment(
                        abstract_id=row["pk"], reviewer=reviewer, assigned_by=assigned_by, assigned_at=now
                    )
                )
            if len(chosen) < missing:
                unfilled.append(Unfilled(row["pk"], row["title"], len(have) + len(chosen)))
        ReviewAssignment.objects.bulk_create(new)
        _record_assignments(event, actor, new, {row["pk"]: row["title"] for row in abstracts}, "balanced")
    return BalancedAssignment(
        assigned=len(new),
        abstracts=len({assignment.abstract_id for assignment in new}),
        unfilled=tuple(unfilled),
        per_abstract=per_abstract,
        not_reviewable=len(set(abstract_ids)) - len(abstracts) if abstract_ids is not None else 0,
    )


def reviewer_unassign(*, event: Event, abstract_id: int, reviewer_id: int, actor) -> None:
    """Take a reviewer off an abstract. A review they submitted goes with them; the audit entry keeps it."""
    with transaction.atomic():
        _locked_event(event.pk)
        assignment = (
            ReviewAssignment.objects.filter(
                abstract__event=event, abstract_id=abstract_id, reviewer_id=reviewer_id
            )
            .select_related("reviewer", "abstract")
            .first()
        )
        if assignment is None:
            raise ReviewRefused("That reviewer is not assigned to this abstract (any more).")
        review = Review.objects.filter(assignment=assignment).first()
        details = {"unassigned": reviewer_id, "title": assignment.abstract.title}
        summary = f"Reviewer unassigned: {assignment.reviewer.email}"
        if review is not None:
            details["discarded_review"] = {
                "score": review.score,
                "recommendation": review.recommendation,
                "comment": review.comment,
                "submitted_at": review.submitted_at.isoformat(),
            }
            summary += f" (their review, score {review.score}, {review.recommendation}, was discarded)"
        assignment.delete()
        audit_record(
            event_id=event.pk,
            actor=actor,
            action=AuditEntry.Action.REVIEW,
            summary=summary,
            abstract_id=abstract_id,
            details=details,
        )


def score_problem(event: Event, score) -> str | None:
    """What is wrong with a score on the event's scale, or None."""
    low, high = event.review_score_min, event.review_score_max
    if isinstance(score, bool) or not isinstance(score, int) or not low <= score <= high:
        return f"The score must be a whole number from {low} to {high} (this event's scale); {score} is not."
    return None


def review_submit(
    *, event: Event, abstract_id: int, reviewer, score: int, comment: str, recommendation: str
) -> Review:
    """Save the reviewer's review of an abstract assigned to them: the first time, or revised.

    Reviews are taken while the abstract is submitted (not yet decided nor withdrawn); the
    abstract's row is locked meanwhile, so a decision made at the same moment waits for the review.
    """
    problem = score_problem(event, score)
    if problem:
        raise ReviewRefused(problem)
    if recommendation not in Review.Recommendation.values:
        raise ReviewRefused("Recommend to accept or to reject the abstract.")
    comment = (comment or "").strip()
    if not comment:
        raise ReviewRefused("Write a comment for the organisers.")
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ReviewRefused(
            f"The comment has {len(comment)} characters; at most {COMMENT_MAX_LENGTH} are kept."
        )
    with transaction.atomic():
        if not is_reviewer(reviewer, event):
            raise ReviewRefused("Only the reviewers of this event can review its abstracts.")
        abstract = Abstract.objects.select_for_update().filter(event=event, pk=abstract_id).first()
        assignment = ReviewAssignment.objects.filter(abstract_id=abstract_id, reviewer=reviewer).first()
        if abstract is None or assignment is None:
            raise ReviewRefused("This abstract is not assigned to you.")
        if abstract.status != Abstract.Status.SUBMITTED:
            status = abstract.get_status_display().lower()
            title = plain_text(abstract.title)
            raise ReviewRefused(f"“{title}” is {status}: its reviews can no longer change.")
        review = Review.objects.filter(assignment=assignment).first() or Review(assignment=assignment)
        review.score, review.comment, review.recommendation = score, comment, recommendation
        review.save()
    return review
