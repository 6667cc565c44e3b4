"""Assigning reviewers: balanced in bulk, by hand, conflicts of interest, unassigning, the audit trail,
and the number of queries of a bulk assignment."""

import math
import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abstracts.models import (
    Abstract,
    Affiliation,
    AuthorAffiliation,
    Authorship,
    Person,
    UnattachedAffiliation,
)
from audit.models import AuditEntry
from conference.codes import code_sort_key
from reviews.models import ReviewAssignment
from reviews.services import ReviewRefused, reviewer_unassign, reviewers_assign, reviewers_assign_balanced
from tests.factories import make_abstract, make_event, make_person, submitted_event
from tests.reviews.helpers import assign, make_organiser, make_reviewer, make_user, review

pytestmark = pytest.mark.django_db


def reviewers_of(abstract) -> set[str]:
    return set(ReviewAssignment.objects.filter(abstract=abstract).values_list("reviewer__email", flat=True))


def loads(event, reviewers) -> list[int]:
    counted = Counter(
        ReviewAssignment.objects.filter(abstract__event=event).values_list("reviewer_id", flat=True)
    )
    return [counted[reviewer.pk] for reviewer in reviewers]


def test_balanced_assignment_gives_every_abstract_n_reviewers_and_loads_at_most_one_apart():
    event = submitted_event(count=13)
    organiser = make_organiser(event)
    reviewers = [make_reviewer(event, f"rev{n}@example.org") for n in range(7)]

    result = reviewers_assign_balanced(event=event, abstract_ids=None, per_abstract=3, actor=organiser)

    assert (result.assigned, result.abstracts, result.unfilled) == (39, 13, ())
    for abstract in event.abstracts.all():
        assert len(reviewers_of(abstract)) == 3
    assert sorted(loads(event, reviewers)) == [5, 5, 5, 6, 6, 6, 6]  # 39 over 7: at most one apart

    # Topping the ticked ones up to 4 adds one each, still balanced; asking for 3 again adds nothing.
    ticked = list(event.abstracts.order_by("pk").values_list("pk", flat=True)[:5])
    more = reviewers_assign_balanced(event=event, abstract_ids=ticked, per_abstract=4, actor=organiser)
    again = reviewers_assign_balanced(event=event, abstract_ids=None, per_abstract=3, actor=organiser)

    assert (more.assigned, again.assigned) == (5, 0)
    assert [len(reviewers_of(Abstract.objects.get(pk=pk))) for pk in ticked] == [4] * 5
    assert max(loads(event, reviewers)) - min(loads(event, reviewers)) <= 1


def test_balanced_assignment_prefers_the_least_loaded_and_breaks_ties_by_user_id():
    event = submitted_event(count=2)
    first, second = event.abstracts.order_by("pk")
    reviewers = [make_reviewer(event, f"rev{n}@example.org") for n in range(4)]
    assign(first, reviewers[0])
    assign(first, reviewers[1])  # two reviewers already carry one each

    reviewers_assign_balanced(event=event, abstract_ids=[second.pk], per_abstract=2, actor=None)

    assert reviewers_of(second) == {"rev2@example.org", "rev3@example.org"}
    # With equal loads, the lower user ids come first.
    third = make_abstract(event, status="submitted")
    reviewers_assign_balanced(event=event, abstract_ids=[third.pk], per_abstract=2, actor=None)
    assert reviewers_of(third) == {"rev0@example.org", "rev1@example.org"}


@pytest.fixture
def conflicted_event():
    """Five reviewers; four abstracts that each conflict with one of them, one that conflicts with none."""
    event = make_event(is_published=True)
    fzj = Affiliation.objects.create(event=event, name="Forschungszentrum Jülich")
    desy = Affiliation.objects.create(event=event, name="DESY")
    kit = Affiliation.objects.create(event=event, name="Karlsruhe Institute of Technology")
    reviewers = {
        name: make_reviewer(event, f"{name}@example.org")
        for name in ("author", "submitter", "kit", "free1", "free2")
    }
    # The reviewer "author" is an author (the e-mail in another case is the same person).
    author = make_person(event, email="Author@Example.org")
    # "kit" holds KIT in an authorship of their own abstract (which they also wrote).
    kit_person = make_person(event, email="kit@example.org")
    stranger = make_person(event, email="someone@example.org")
    abstracts = {
        "written": make_abstract(event, status="submitted", authors=[(author, [fzj])], title="Written"),
        "submitted": make_abstract(
            event,
            status="submitted",
            authors=[(stranger, [desy])],
            submitter=reviewers["submitter"],
            title="Submitted",
        ),
        "own": make_abstract(event, status="submitted", authors=[(kit_person, [kit])], title="Own"),
        "same place": make_abstract(
            event, status="submitted", authors=[(make_person(event), [kit, desy])], title="Same place"
        ),
        "free": make_abstract(
            event, status="submitted", authors=[(make_person(event), [desy])], title="Free"
        ),
    }
    listed = make_abstract(event, status="submitted", authors=[(make_person(event), [desy])], title="Listed")
    UnattachedAffiliation.objects.create(abstract=listed, affiliation=kit, position=2)
    abstracts["listed"] = listed
    return event, reviewers, abstracts


def test_balanced_assignment_skips_authors_submitters_and_shared_affiliations(conflicted_event):
    event, reviewers, abstracts = conflicted_event

    result = reviewers_assign_balanced(event=event, abstract_ids=None, per_abstract=4, actor=None)

    everyone = {f"{name}@example.org" for name in reviewers}
    assert reviewers_of(abstracts["written"]) == everyone - {"author@example.org"}
    assert reviewers_of(abstracts["submitted"]) == everyone - {"submitter@example.org"}
    assert reviewers_of(abstracts["own"]) == everyone - {"kit@example.org"}
    assert reviewers_of(abstracts["same place"]) == everyone - {"kit@example.org"}
    assert reviewers_of(abstracts["listed"]) == everyone - {"kit@example.org"}  # listed, carried by nobody
    assert len(reviewers_of(abstracts["free"])) == 4
    assert result.unfilled == ()


def test_abstracts_that_run_out_of_reviewers_are_reported(conflicted_event):
    event, _, abstracts = conflicted_event

    result = reviewers_assign_balanced(event=event, abstract_ids=None, per_abstract=5, actor=None)

    assert {(item.title, item.reviewers) for item in result.unfilled} == {
        ("Written", 4),
        ("Submitted", 4),
        ("Own", 4),
        ("Same place", 4),
        ("Listed", 4),
    }
    assert len(reviewers_of(abstracts["free"])) == 5


def test_hand_assignment_refuses_conflicts_and_names_them(conflicted_event):
    event, reviewers, abstracts = conflicted_event
    chosen = [abstracts["written"].pk, abstracts["same place"].pk, abstracts["free"].pk]

    with pytest.raises(ReviewRefused) as refused:
        reviewers_assign(
            event=event,
            abstract_ids=chosen,
            reviewer_ids=[reviewers["author"].pk, reviewers["kit"].pk],
            actor=None,
        )

    message = str(refused.value)
    assert "author@example.org is an author of “Written”" in message
    assert "kit@example.org shares Karlsruhe Institute of Technology with “Same place”" in message
    assert ReviewAssignment.objects.count() == 0  # nothing, not even the pairs without conflict
    with pytest.raises(ReviewRefused, match=re.escape("submitter@example.org submitted “Submitted”")):
        reviewers_assign(
            event=event,
            abstract_ids=[abstracts["submitted"].pk],
            reviewer_ids=[reviewers["submitter"].pk],
            actor=None,
        )


def test_hand_assignment_takes_only_reviewers_and_submitted_abstracts_of_the_event(conflicted_event):
    event, reviewers, abstracts = conflicted_event
    outsider = make_user("outsider@example.org")
    accepted = make_abstract(event, status="accepted", title="Already accepted")
    other_event_abstract = make_abstract(make_event(), status="submitted")
    free = abstracts["free"].pk

    def assign_by_hand(abstract_ids, reviewer_ids):
        with pytest.raises(ReviewRefused) as refused:
            reviewers_assign(event=event, abstract_ids=abstract_ids, reviewer_ids=reviewer_ids, actor=None)
        return str(refused.value)

    assert "outsider@example.org is not a reviewer of this event" in assign_by_hand([free], [outsider.pk])
    assert "and not “Already accepted”" in assign_by_hand([accepted.pk], [reviewers["free1"].pk])
    assert "not in this event" in assign_by_hand([other_event_abstract.pk], [reviewers["free1"].pk])
    assert ReviewAssignment.objects.count() == 0

    assert (
        reviewers_assign(event=event, abstract_ids=[free], reviewer_ids=[reviewers["free1"].pk], actor=None)
        == 1
    )
    assert (
        reviewers_assign(event=event, abstract_ids=[free], reviewer_ids=[reviewers["free1"].pk], actor=None)
        == 0
    )


def test_balanced_assignment_leaves_out_ticked_abstracts_that_are_not_submitted():
    event = submitted_event(count=2)
    make_reviewer(event, "rev@example.org")
    accepted = make_abstract(event, status="accepted")
    ids = [*event.abstracts.filter(status="submitted").values_list("pk", flat=True), accepted.pk]

    result = reviewers_assign_balanced(event=event, abstract_ids=ids, per_abstract=1, actor=None)

    assert (result.assigned, result.not_reviewable) == (2, 1)
    assert not ReviewAssignment.objects.filter(abstract=accepted).exists()


def test_assignments_and_unassignments_are_in_the_audit_trail():
    event = submitted_event(count=1)
    abstract = event.abstracts.get()
    organiser = make_organiser(event)
    rita = make_reviewer(event, "rita@example.org")
    reviewers_assign(event=event, abstract_ids=[abstract.pk], reviewer_ids=[rita.pk], actor=organiser)
    review(abstract, rita, score=2, comment="Too vague.", recommendation="reject")

    reviewer_unassign(event=event, abstract_id=abstract.pk, reviewer_id=rita.pk, actor=organiser)

    entries = list(AuditEntry.objects.filter(abstract=abstract, action="review").order_by("pk"))
    assert [entry.summary for entry in entries] == [
        "Reviewer assigned (by hand): rita@example.org",
        "Reviewer unassigned: rita@example.org (their review, score 2, reject, was discarded)",
    ]
    assert entries[1].actor_label == "olga@example.org"
    assert entries[1].details["discarded_review"]["comment"] == "Too vague."
    assert not ReviewAssignment.objects.filter(abstract=abstract).exists()
    with pytest.raises(ReviewRefused, match="not assigned"):
        reviewer_unassign(event=event, abstract_id=abstract.pk, reviewer_id=rita.pk, actor=organiser)


def bulk_event(size: int, reviewer_count: int):
    """An event of ``size`` submitted abstracts, each with an author and an affiliation, made in bulk."""
    event = make_event(slug=f"bulk-{size}")
    affiliations = Affiliation.objects.bulk_create(
        Affiliation(event=event, name=f"Institute {n}", key=f"institute {n}") for n in range(20)
    )
    people = Person.objects.bulk_create(
        Person(event=event, last_name=f"Author{n}", name_key=f"author{n}", email=f"author{n}@example.org")
        for n in range(size)
    )
    abstracts = Abstract.objects.bulk_create(
        Abstract(
            event=event, title=f"Poster {n}", text="Text.", status="submitted", code_sort=code_sort_key("")
        )
        for n in range(size)
    )
    authorships = Authorship.objects.bulk_create(
        Authorship(abstract=abstract, person=person, position=1, is_presenting=True)
        for abstract, person in zip(abstracts, people, strict=True)
    )
    AuthorAffiliation.objects.bulk_create(
        AuthorAffiliation(authorship=authorship, affiliation=affiliations[n % 20], position=1)
        for n, authorship in enumerate(authorships)
    )
    reviewers = [make_reviewer(event, f"bulk{size}-rev{n}@example.org") for n in range(reviewer_count)]
    return event, reviewers


def _statements(queries) -> tuple[int, int]:
    inserts = sum(1 for query in queries if query["sql"].startswith("INSERT"))
    return len(queries) - inserts, inserts


def test_a_bulk_assignment_reads_in_a_constant_number_of_queries():
    small, _ = bulk_event(20, reviewer_count=40)
    large, reviewers = bulk_event(5000, reviewer_count=40)

    with CaptureQueriesContext(connection) as small_queries:
        reviewers_assign_balanced(event=small, abstract_ids=None, per_abstract=3, actor=None)
    with CaptureQueriesContext(connection) as large_queries:
        result = reviewers_assign_balanced(event=large, abstract_ids=None, per_abstract=3, actor=None)

    assert result.assigned == 15000
    assert max(loads(large, reviewers)) - min(loads(large, reviewers)) <= 1
    small_reads, small_inserts = _statements(small_queries.captured_queries)
    large_reads, large_inserts = _statements(large_queries.captured_queries)
    assert large_reads == small_reads <= 12
    # Inserts come in batches as Django cuts them: all in one on PostgreSQL, at most 999 values a
    # statement on SQLite; the audit trail writes at most 500 entries a statement.
    assert small_inserts == 2
    assert large_inserts == insert_batches(ReviewAssignment, 15000) + insert_batches(
        AuditEntry, 5000, cap=500
    )


def insert_batches(model, rows: int, cap: int | None = None) -> int:
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    size = max(connection.ops.bulk_batch_size(fields, [None] * rows), 1)
    return math.ceil(rows / min(size, cap or size))
