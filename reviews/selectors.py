"""Reads for reviewing: review figures per abstract, reviewers and their loads, and conflicts of interest."""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import (
    Avg,
    Count,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    StdDev,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Lower

from abstracts.models import Abstract, Affiliation, AuthorAffiliation, Authorship, UnattachedAffiliation
from abstracts.selectors import programme_order
from abstracts.templatetags.abstract_markup import plain_text
from conference.models import Event, EventRole
from reviews.models import Review, ReviewAssignment

User = get_user_model()

# Abstracts are looked up by id below this many; above it, the whole event is read once (no huge IN lists).
_ID_LIST_LIMIT = 500


def with_review_figures(abstracts: QuerySet[Abstract]) -> QuerySet[Abstract]:
    """Annotate ``reviews_assigned``, ``reviews_done``, ``score_mean``, ``score_spread`` (highest -
    lowest score) and ``score_stddev`` (population standard deviation); the scores are None without
    reviews.

    Each figure is a correlated subquery rather than a join, so the figures stay right whatever
    the queryset already joins or filters (a keyword filter, say), and they can be filtered and
    sorted on. StdDev is STDDEV_POP on PostgreSQL and the function Django registers on SQLite.
    """
    reviews = (
        Review.objects.filter(assignment__abstract=OuterRef("pk")).order_by().values("assignment__abstract")
    )
    assignments = ReviewAssignment.objects.filter(abstract=OuterRef("pk")).order_by().values("abstract")

    def figure(queryset, aggregate, output_field):
        return Subquery(queryset.annotate(figure=aggregate).values("figure"), output_field=output_field)

    return abstracts.annotate(
        reviews_assigned=Coalesce(
            figure(assignments, Count("pk"), IntegerField()), Value(0), output_field=IntegerField()
        ),
        reviews_done=Coalesce(
            figure(reviews, Count("pk"), IntegerField()), Value(0), output_field=IntegerField()
        ),
        score_mean=figure(reviews, Avg("score", output_field=FloatField()), FloatField()),
        score_spread=figure(reviews, Max("score") - Min("score"), IntegerField()),
        score_stddev=figure(reviews, StdDev("score", sample=False), FloatField()),
    )


def event_reviewers(event: Event) -> QuerySet:
    """The users with the event's reviewer role, by id (the order that breaks ties in balancing)."""
    return User.objects.filter(event_roles__event=event, event_roles__role=EventRole.Role.REVIEWER).order_by(
        "pk"
    )


def reviewer_loads(event: Event) -> QuerySet:
    """The event's reviewers, each with ``assigned`` and ``done`` counted over this event's abstracts."""
    in_event = Q(review_assignments__abstract__event=event)
    return (
        event_reviewers(event)
        .annotate(
            assigned=Count("review_assignments", filter=in_event, distinct=True),
            done=Count("review_assignments__review", filter=in_event, distinct=True),
        )
        .annotate(to_do=F("assigned") - F("done"))
    )


def assignments_of_reviewer(event: Event, reviewer) -> QuerySet[ReviewAssignment]:
    """A reviewer's assignments in one event, those still to do first, then in programme order."""
    return (
        ReviewAssignment.objects.filter(abstract__event=event, reviewer=reviewer)
        .select_related("abstract", "abstract__session", "review")
        .order_by(
            F("review").asc(nulls_first=True),
            F("abstract__session__order").asc(nulls_last=True),
            F("abstract__order").asc(nulls_last=True),
            "abstract__code_sort",
            "abstract__pk",
        )
    )


def assignment_of(event: Event, reviewer, abstract_id: int) -> ReviewAssignment | None:
    return (
        ReviewAssignment.objects.filter(abstract__event=event, abstract_id=abstract_id, reviewer=reviewer)
        .select_related("review")
        .first()
    )


def reviews_of_abstract(abstract_id: int) -> list[Review]:
    """The submitted reviews of one abstract, first submitted first."""
    return list(
        Review.objects.filter(assignment__abstract_id=abstract_id)
        .select_related("assignment__reviewer")
        .order_by("submitted_at", "pk")
    )


def assignments_of_abstract(abstract_id: int) -> list[ReviewAssignment]:
    return list(
        ReviewAssignment.objects.filter(abstract_id=abstract_id)
        .select_related("reviewer", "review")
        .order_by("assigned_at", "pk")
    )


def with_assigned_reviewers(abstracts: QuerySet[Abstract]) -> QuerySet[Abstract]:
    """Prefetch each abstract's assignments with their reviewer and review (one query more)."""
    return abstracts.prefetch_related(
        Prefetch(
            "review_assignments",
            queryset=ReviewAssignment.objects.select_related("reviewer", "review").order_by(
                "reviewer__email"
            ),
        )
    )


@dataclass(frozen=True)
class Conflict:
    """Why a reviewer may not review an abstract."""

    reason: str  # "submitter", "author" or "affiliation"
    affiliation_ids: frozenset[int] = frozenset()


@dataclass
class ConflictIndex:
    """Who conflicts with which abstract, read once for many abstracts.

    A reviewer is the same person as a ``Person`` of the event with the same e-mail (in any case).
    They conflict with an abstract they submitted or are an author of, and with one that lists an
    affiliation they hold in any authorship of the event.
    """

    submitter_of: dict[int, int | None] = field(default_factory=dict)
    author_emails_of: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    affiliations_of: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    reviewer_by_email: dict[str, int] = field(default_factory=dict)
    reviewers_by_affiliation: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))

    def conflicts(self, abstract_id: int) -> dict[int, Conflict]:
        """The reviewers (by user id) who conflict with the abstract, and why."""
        found: dict[int, Conflict] = {}
        shared: dict[int, set[int]] = defaultdict(set)
        for affiliation_id in self.affiliations_of.get(abstract_id, ()):
            for reviewer_id in self.reviewers_by_affiliation.get(affiliation_id, ()):
                shared[reviewer_id].add(affiliation_id)
        for reviewer_id, affiliation_ids in shared.items():
            found[reviewer_id] = Conflict("affiliation", frozenset(affiliation_ids))
        for email in self.author_emails_of.get(abstract_id, ()):
            if email in self.reviewer_by_email:
                found[self.reviewer_by_email[email]] = Conflict("author")
        submitter_id = self.submitter_of.get(abstract_id)
        if submitter_id is not None:
            found[submitter_id] = Conflict("submitter")
        return found


def conflict_reason(conflict: Conflict, affiliation_names: dict[int, str]) -> str:
    """Why, in a few words: "submitted it", "is an author", "shares <affiliation>"."""
    if conflict.reason == "submitter":
        return "submitted it"
    if conflict.reason == "author":
        return "is an author"
    return "shares " + ", ".join(sorted(affiliation_names.get(pk, "?") for pk in conflict.affiliation_ids))


def conflict_text(reviewer, title: str, conflict: Conflict, affiliation_names: dict[int, str]) -> str:
    who, title = reviewer.email or reviewer.get_username(), plain_text(title)
    if conflict.reason == "submitter":
        return f"{who} submitted “{title}”"
    if conflict.reason == "author":
        return f"{who} is an author of “{title}”"
    return f"{who} {conflict_reason(conflict, affiliation_names)} with “{title}”"


def conflict_index(
    event: Event, reviewers: Collection, abstract_ids: Collection[int] | None = None
) -> ConflictIndex:
    """Conflicts between ``reviewers`` (users) and the event's abstracts (or only ``abstract_ids``).

    Four queries, however many abstracts and reviewers.
    """
    index = ConflictIndex()
    index.reviewer_by_email = {user.email.lower(): user.pk for user in reviewers if user.email}
    by_id = abstract_ids is not None and len(abstract_ids) <= _ID_LIST_LIMIT

    def scope(prefix: str) -> Q:
        if by_id:
            return Q(**{f"{prefix}__in": list(abstract_ids)})
        return Q(**{f"{prefix}__event": event})

    abstracts = event.abstracts.filter(pk__in=list(abstract_ids)) if by_id else event.abstracts.all()
    index.submitter_of = dict(abstracts.values_list("pk", "submitter_id"))
    for abstract_id, email in (
        Authorship.objects.filter(scope("abstract"))
        .exclude(person__email="")
        .values_list("abstract_id", "person__email")
    ):
        index.author_emails_of[abstract_id].add(email.lower())
    listed = (
        AuthorAffiliation.objects.filter(scope("authorship__abstract"))
        .order_by()
        .values_list("authorship__abstract_id", "affiliation_id")
        .union(
            UnattachedAffiliation.objects.filter(scope("abstract"))
            .order_by()
            .values_list("abstract_id", "affiliation_id")
        )
    )
    for abstract_id, affiliation_id in listed:
        index.affiliations_of[abstract_id].add(affiliation_id)
    if index.reviewer_by_email:
        held = (
            AuthorAffiliation.objects.filter(authorship__person__event=event)
            .annotate(email_key=Lower("authorship__person__email"))
            .filter(email_key__in=list(index.reviewer_by_email))
            .order_by()
            .values_list("email_key", "affiliation_id")
            .distinct()
        )
        for email, affiliation_id in held:
            index.reviewers_by_affiliation[affiliation_id].add(index.reviewer_by_email[email])
    return index


@dataclass(frozen=True)
class Candidate:
    reviewer: object  # a user
    conflict: str  # why they may not review this abstract, or ""


@dataclass(frozen=True)
class ReviewPanel:
    """What organisers see of one abstract's review: who reviews it, their reviews and the figures."""

    assignments: list[ReviewAssignment]
    reviews_assigned: int
    reviews_done: int
    score_mean: float | None
    score_spread: int | None
    score_stddev: float | None
    candidates: list[Candidate]  # the event's reviewers not on it yet


def review_panel(event: Event, abstract: Abstract) -> ReviewPanel:
    assignments = assignments_of_abstract(abstract.pk)
    figures = (
        with_review_figures(Abstract.objects.filter(pk=abstract.pk))
        .values("reviews_assigned", "reviews_done", "score_mean", "score_spread", "score_stddev")
        .get()
    )
    on_it = {assignment.reviewer_id for assignment in assignments}
    others = [reviewer for reviewer in event_reviewers(event) if reviewer.pk not in on_it]
    conflicts = conflict_index(event, others, [abstract.pk]).conflicts(abstract.pk) if others else {}
    affiliation_ids = set().union(*(conflict.affiliation_ids for conflict in conflicts.values()))
    names = (
        dict(Affiliation.objects.filter(pk__in=affiliation_ids).values_list("pk", "name"))
        if affiliation_ids
        else {}
    )
    return ReviewPanel(
        assignments=assignments,
        candidates=[
            Candidate(
                reviewer,
                conflict_reason(conflicts[reviewer.pk], names) if reviewer.pk in conflicts else "",
            )
            for reviewer in others
        ],
        **figures,
    )


def assignable_abstracts(event: Event) -> QuerySet[Abstract]:
    """The event's submitted abstracts in programme order, with review figures and reviewers (2 queries)."""
    submitted = Abstract.objects.filter(event=event, status=Abstract.Status.SUBMITTED).select_related(
        "session"
    )
    return with_assigned_reviewers(with_review_figures(programme_order(submitted)))
