"""Merging people, affiliations and keywords: every link is kept (counts before and after), links
that would say the same thing twice on one abstract become one, and refused merges change nothing."""

import threading

import pytest
from django.db import connection

from abstracts.models import (
    Abstract,
    AbstractKeyword,
    Affiliation,
    AuthorAffiliation,
    Authorship,
    Keyword,
    Person,
    UnattachedAffiliation,
)
from abstracts.selectors import printed_abstract, with_print_relations
from cleanup.models import MergeRecord
from cleanup.services import MergeRefused, affiliations_merge, keywords_merge, people_merge
from conference.models import Event
from tests.factories import make_abstract, make_event, make_person

pytestmark = pytest.mark.django_db


def link_counts(event: Event) -> dict[str, int]:
    return {
        "authorships": Authorship.objects.filter(abstract__event=event).count(),
        "affiliation links": AuthorAffiliation.objects.filter(authorship__abstract__event=event).count(),
        "unattached": UnattachedAffiliation.objects.filter(abstract__event=event).count(),
        "keyword links": AbstractKeyword.objects.filter(abstract__event=event).count(),
    }


def contents(event: Event, kind: str = "", merged: tuple = (), kept=None) -> dict[int, dict[str, set]]:
    """Per abstract, who its authors are, which affiliations it lists and its keywords, with the
    ``merged`` records of ``kind`` read as the ``kept`` one."""

    def read(of: str, pk: int) -> int:
        return kept.pk if of == kind and pk in {record.pk for record in merged} else pk

    result = {}
    for abstract in Abstract.objects.filter(event=event):
        people = {read("people", a.person_id) for a in abstract.authorships.all()}
        attached = AuthorAffiliation.objects.filter(authorship__abstract=abstract)
        affiliations = {read("affiliations", link.affiliation_id) for link in attached} | {
            read("affiliations", link.affiliation_id) for link in abstract.unattached_affiliations.all()
        }
        keywords = {read("keywords", link.keyword_id) for link in abstract.keyword_links.all()}
        result[abstract.pk] = {"people": people, "affiliations": affiliations, "keywords": keywords}
    return result


def positions_are_one_to_n(event: Event) -> None:
    for abstract in Abstract.objects.filter(event=event):
        authorships = list(abstract.authorships.order_by("position"))
        assert [a.position for a in authorships] == list(range(1, len(authorships) + 1)), abstract
        assert sum(a.is_presenting for a in authorships) <= 1
        for authorship in authorships:
            positions = list(
                authorship.affiliation_links.order_by("position").values_list("position", flat=True)
            )
            assert positions == list(range(1, len(positions) + 1)), authorship
        for links in (abstract.keyword_links, abstract.unattached_affiliations):
            positions = list(links.order_by("position").values_list("position", flat=True))
            assert positions == list(range(1, len(positions) + 1)), abstract


def authors_of(abstract: Abstract) -> list[tuple[str, bool, list[str]]]:
    return [
        (a.person.full_name, a.is_presenting, [link.affiliation.name for link in a.affiliation_links.all()])
        for a in abstract.authorships.order_by("position")
    ]


@pytest.fixture
def event():
    return make_event(is_published=True)


@pytest.fixture
def smiths(event):
    """John Smith and J. Smith (the same man), on three abstracts; on the third, both are listed."""
    bonn = Affiliation.objects.create(event=event, name="University of Bonn")
    hzm = Affiliation.objects.create(event=event, name="Helmholtz Zentrum München")
    john = make_person(event, first_name="John", last_name="Smith")
    initial = make_person(event, first_name="J.", last_name="Smith", email="j.smith@example.org", title="Dr.")
    ada = make_person(event, first_name="Ada", last_name="Lovelace")
    first = make_abstract(event, authors=[(john, [bonn]), (ada, [bonn])], presenting=0, title="First")
    second = make_abstract(
        event, authors=[(ada, [hzm]), (initial, [hzm, bonn])], presenting=1, title="Second"
    )
    both = make_abstract(
        event,
        authors=[(initial, [bonn]), (ada, [bonn]), (john, [hzm, bonn])],
        presenting=2,
        title="Both",
    )
    return {"john": john, "initial": initial, "ada": ada, "first": first, "second": second, "both": both}


def test_merging_people_moves_every_authorship_and_collapses_the_double_listing(event, smiths):
    john, initial = smiths["john"], smiths["initial"]
    before_counts, before = link_counts(event), contents(event, "people", [initial], john)
    revision = Event.objects.get(pk=event.pk).revision

    record = people_merge(event=event, keep_id=john.pk, merge_ids=[initial.pk])

    after_counts = link_counts(event)
    assert after_counts["authorships"] == before_counts["authorships"] - 1  # the double listing on "Both"
    assert after_counts["keyword links"] == before_counts["keyword links"]
    # J. Smith's own affiliation link on "Both" goes with his authorship; John's there are kept.
    assert after_counts["affiliation links"] == before_counts["affiliation links"] - 1
    assert contents(event) == before, "no abstract lost an author, affiliation or keyword"
    positions_are_one_to_n(event)
    assert not Person.objects.filter(pk=initial.pk).exists()
    assert authors_of(smiths["both"]) == [
        ("John Smith", True, ["University of Bonn", "Helmholtz Zentrum München"]),
        ("Ada Lovelace", False, ["University of Bonn"]),
    ]
    assert authors_of(smiths["second"]) == [
        ("Ada Lovelace", False, ["Helmholtz Zentrum München"]),
        ("John Smith", True, ["Helmholtz Zentrum München", "University of Bonn"]),
    ]
    john.refresh_from_db()
    assert (john.email, john.title, john.first_name) == ("j.smith@example.org", "Dr.", "John")
    assert (record.links_moved, record.links_collapsed, record.abstracts_touched) == (2, 1, 2)
    assert record.details == {"affiliation_links_moved": 1, "filled": ["e-mail", "title"]}
    assert Event.objects.get(pk=event.pk).revision == revision + 1


def test_the_kept_author_keeps_the_earlier_place_and_the_presenting_mark(event):
    one = make_person(event, first_name="Eva", last_name="Ng")
    two = make_person(event, first_name="E.", last_name="Ng")
    others = [make_person(event) for _ in range(3)]
    abstract = make_abstract(
        event,
        authors=[(others[0], []), (two, []), (others[1], []), (one, []), (others[2], [])],
        presenting=3,
    )

    people_merge(event=event, keep_id=one.pk, merge_ids=[two.pk])

    listed = list(
        abstract.authorships.order_by("position").values_list("person_id", "position", "is_presenting")
    )
    assert listed == [
        (others[0].pk, 1, False),
        (one.pk, 2, True),
        (others[1].pk, 3, False),
        (others[2].pk, 4, False),
    ]


def test_merging_three_people_at_once_on_one_abstract(event):
    people = [make_person(event, first_name=name, last_name="Kovač") for name in ("Ivan", "I.", "Ivan A.")]
    abstract = make_abstract(event, authors=[(person, []) for person in people], presenting=2)

    record = people_merge(event=event, keep_id=people[2].pk, merge_ids=[people[0].pk, people[1].pk])

    assert list(abstract.authorships.values_list("person_id", "position", "is_presenting")) == [
        (people[2].pk, 1, True)
    ]
    assert (record.links_moved, record.links_collapsed, record.merged_labels) == (
        1,
        2,
        ["Ivan Kovač", "I. Kovač"],
    )


def test_merging_affiliations_keeps_one_link_per_author_at_the_earlier_place(event):
    full = Affiliation.objects.create(event=event, name="Helmholtz Zentrum München")
    acronym = Affiliation.objects.create(event=event, name="HZM")
    bonn = Affiliation.objects.create(event=event, name="University of Bonn")
    eva, max_ = make_person(event), make_person(event)
    twice = make_abstract(event, authors=[(eva, [acronym, bonn, full]), (max_, [acronym])], presenting=0)
    once = make_abstract(event, authors=[(eva, [bonn, acronym])], presenting=0)
    UnattachedAffiliation.objects.create(abstract=once, affiliation=full, position=1)
    listed_apart = make_abstract(event, authors=[(max_, [bonn])], presenting=0)
    UnattachedAffiliation.objects.create(abstract=listed_apart, affiliation=acronym, position=1)
    before_counts, before = link_counts(event), contents(event, "affiliations", [acronym], full)

    record = affiliations_merge(event=event, keep_id=full.pk, merge_ids=[acronym.pk])

    after_counts = link_counts(event)
    assert after_counts["authorships"] == before_counts["authorships"]
    assert after_counts["keyword links"] == before_counts["keyword links"]
    assert (
        after_counts["affiliation links"] == before_counts["affiliation links"] - 1
    )  # Eva's double on "twice"
    # On "once", an author now carries the affiliation listed as carried by nobody: the listing goes.
    assert after_counts["unattached"] == before_counts["unattached"] - 1
    assert contents(event) == before
    positions_are_one_to_n(event)
    assert authors_of(twice) == [
        (eva.full_name, True, ["Helmholtz Zentrum München", "University of Bonn"]),
        (max_.full_name, False, ["Helmholtz Zentrum München"]),
    ]
    assert list(listed_apart.unattached_affiliations.values_list("affiliation_id", flat=True)) == [full.pk]
    assert printed_abstract(with_print_relations(Abstract.objects).get(pk=once.pk)).affiliations == (
        (1, "University of Bonn"),
        (2, "Helmholtz Zentrum München"),
    )
    assert (record.links_moved, record.links_collapsed, record.abstracts_touched) == (4, 2, 3)
    assert not Affiliation.objects.filter(pk=acronym.pk).exists()


def test_merging_keywords_keeps_one_link_at_the_earlier_place_spelled_as_the_kept_one(event):
    make_abstract(event, keywords=["Deep learning", "Imaging", "DL"])
    make_abstract(event, keywords=["DL", "Deep learning"])
    only_acronym = make_abstract(event, keywords=["Genomics", "DL"])
    make_abstract(event, keywords=["Imaging"])
    kept = Keyword.objects.get(event=event, label="Deep learning")
    acronym = Keyword.objects.get(event=event, label="DL")
    before_counts, before = link_counts(event), contents(event, "keywords", [acronym], kept)

    record = keywords_merge(event=event, keep_id=kept.pk, merge_ids=[acronym.pk])

    assert link_counts(event)["keyword links"] == before_counts["keyword links"] - 2
    assert link_counts(event)["authorships"] == before_counts["authorships"]
    assert contents(event) == before
    positions_are_one_to_n(event)
    printed = {
        abstract.title: printed_abstract(abstract).keywords
        for abstract in with_print_relations(Abstract.objects.filter(event=event))
    }
    assert sorted(printed.values()) == [
        ("Deep learning",),
        ("Deep learning", "Imaging"),
        ("Genomics", "Deep learning"),
        ("Imaging",),
    ]
    assert only_acronym.keyword_links.get(position=2).spelling == "Deep learning"
    assert (record.links_moved, record.links_collapsed, record.abstracts_touched) == (2, 2, 3)


def test_the_kept_person_is_filled_only_where_the_merged_ones_agree(event):
    kept = make_person(event, first_name="", last_name="Okafor")
    a = make_person(event, first_name="Chidi", last_name="Okafor", email="chidi@uni.example")
    b = make_person(
        event,
        first_name="Chidi",
        last_name="Okafor",
        email="c.okafor@lab.example",
        orcid="0000-0002-1825-0097",
    )

    record = people_merge(event=event, keep_id=kept.pk, merge_ids=[a.pk, b.pk])

    kept.refresh_from_db()
    assert (kept.first_name, kept.email, kept.orcid) == ("Chidi", "", "0000-0002-1825-0097")
    assert kept.name_key == "chidi okafor"
    assert record.details["filled"] == ["ORCID iD", "first name"]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("itself", "cannot be merged into itself"),
        ("nothing", "at least one other person"),
        ("other event", "belongs to another event"),
        ("two orcids", "different ORCID iDs"),
        ("gone", "no longer exist"),
    ],
)
def test_refused_merges_say_why_and_change_nothing(event, smiths, case, message):
    john, initial = smiths["john"], smiths["initial"]
    stranger = make_person(make_event(), first_name="John", last_name="Smith")
    if case == "two orcids":
        Person.objects.filter(pk=john.pk).update(orcid="0000-0002-1825-0097")
        Person.objects.filter(pk=initial.pk).update(orcid="0000-0001-5109-3700")
    keep, merge = {
        "itself": (john.pk, [john.pk, initial.pk]),
        "nothing": (john.pk, []),
        "other event": (john.pk, [stranger.pk]),
        "two orcids": (john.pk, [initial.pk]),
        "gone": (john.pk, [999_999]),
    }[case]
    before, revision = contents(event), Event.objects.get(pk=event.pk).revision

    with pytest.raises(MergeRefused, match=message):
        people_merge(event=event, keep_id=keep, merge_ids=merge)

    assert contents(event) == before
    assert Person.objects.filter(pk__in=[john.pk, initial.pk, stranger.pk]).count() == 3
    assert not MergeRecord.objects.exists()
    assert Event.objects.get(pk=event.pk).revision == revision


def test_keywords_and_affiliations_of_another_event_are_refused(event):
    mine = Keyword.objects.create(event=event, label="Deep learning")
    theirs = Keyword.objects.create(event=make_event(), label="DL")
    here = Affiliation.objects.create(event=event, name="HZM")
    there = Affiliation.objects.create(event=theirs.event, name="Helmholtz Zentrum München")

    with pytest.raises(MergeRefused, match="“DL” belongs to another event"):
        keywords_merge(event=event, keep_id=mine.pk, merge_ids=[theirs.pk])
    with pytest.raises(MergeRefused, match="belongs to another event"):
        affiliations_merge(event=event, keep_id=there.pk, merge_ids=[here.pk])
    assert Keyword.objects.count() == 2 and Affiliation.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_organisers_merging_the_same_people_crosswise_at_once(event, smiths):
    """On PostgreSQL the two run truly at once; the event's row lock serves them one after the other,
    and the second finds its record gone instead of losing links."""
    john, initial = smiths["john"], smiths["initial"]
    before = contents(event, "people", [initial], john)
    start = threading.Barrier(2)
    outcomes = []

    def merge(keep, merged):
        try:
            start.wait()
            outcomes.append(people_merge(event=event, keep_id=keep.pk, merge_ids=[merged.pk]))
        except Exception as error:  # reported below
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=merge, args=pair) for pair in ((john, initial), (initial, john))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    records = [outcome for outcome in outcomes if isinstance(outcome, MergeRecord)]
    refusals = [outcome for outcome in outcomes if isinstance(outcome, MergeRefused)]
    assert len(records) == 1 and len(refusals) == 1, outcomes
    assert "no longer exist" in str(refusals[0])
    kept = Person.objects.get(pk=records[0].kept_id)
    assert Person.objects.filter(pk__in=[john.pk, initial.pk]).count() == 1
    assert contents(event) == {
        pk: {**parts, "people": {kept.pk if p == john.pk else p for p in parts["people"]}}
        for pk, parts in before.items()
    }
    positions_are_one_to_n(event)
