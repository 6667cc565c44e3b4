"""The duplicates page over HTTP: who may open it, one-click merges of a group, merging by hand,
bad input, and the merge's record in the list, the audit trail and the admin."""

import hashlib
import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abstracts.models import AbstractKeyword, Affiliation, Authorship, Keyword, Person
from audit.models import AuditEntry
from cleanup.models import MergeRecord
from cleanup.services import people_merge
from conference.models import Event, EventRole
from tests.factories import make_abstract, make_event, make_person

pytestmark = pytest.mark.django_db


def user(name: str, **fields) -> User:
    return User.objects.create_user(name, f"{name}@example.org", "x", **fields)


def page_url(event: Event) -> str:
    return f"/events/{event.slug}/board/duplicates/"


@pytest.fixture
def event():
    event = make_event(is_published=True)
    john = make_person(event, first_name="John", last_name="Smith")
    initial = make_person(event, first_name="J.", last_name="Smith")
    ada = make_person(event, first_name="Ada", last_name="Lovelace")
    hzm = Affiliation.objects.create(event=event, name="HZM")
    full = Affiliation.objects.create(event=event, name="Helmholtz Zentrum München")
    make_abstract(event, authors=[(john, [full]), (ada, [hzm])], presenting=0, keywords=["Deep learning"])
    make_abstract(
        event, authors=[(initial, [hzm])], presenting=0, keywords=["DL", "Imaging"], title="Seeing cells"
    )
    make_abstract(event, authors=[(initial, [full])], presenting=0, keywords=["DL"], title="Seeing the cells")
    return event


@pytest.fixture
def organiser(client, event):
    person = user("olga")
    EventRole.objects.create(event=event, user=person, role="organiser")
    client.force_login(person)
    return person


def group_form(page: str, label: str) -> str:
    """The HTML of the merge form whose group lists ``label``."""
    for form in re.findall(r'<form method="post" class="merge-group".*?</form>', page, re.S):
        if f">{label}</label>" in form:
            return form
    raise AssertionError(f"no group lists {label}")


def test_who_may_open_the_page(client, event):
    other_event = make_event(is_published=True)
    submitter, reviewer, other_organiser = user("sam"), user("rita"), user("otto")
    make_abstract(event, status="submitted", submitter=submitter)
    EventRole.objects.create(event=event, user=reviewer, role="reviewer")
    EventRole.objects.create(event=other_event, user=other_organiser, role="organiser")
    john, initial = Person.objects.get(first_name="John"), Person.objects.get(first_name="J.")
    merge = {"kind": "person", "keep": john.pk, "record": [john.pk, initial.pk]}

    anonymous = client.get(page_url(event))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client.post(page_url(event), merge).status_code == 302
    for person in (submitter, reviewer, other_organiser):
        client.force_login(person)
        assert client.get(page_url(event)).status_code == 403, person
        assert client.post(page_url(event), merge).status_code == 403, person
    assert Person.objects.filter(pk=initial.pk).exists()
    assert not MergeRecord.objects.exists()


def test_the_board_links_to_the_page(client, event, organiser):
    board = client.get(f"/events/{event.slug}/board/").content.decode()
    assert f'href="{page_url(event)}"' in board


def test_the_page_lists_the_groups_with_the_suggestion_kept_and_everything_ticked(client, event, organiser):
    page = client.get(page_url(event)).content.decode()

    people = group_form(page, "John Smith")
    initial = Person.objects.get(first_name="J.")
    assert re.search(rf'name="keep" value="{initial.pk}"[^>]* checked', people), "J. Smith is used twice"
    assert people.count('name="record"') == 2 and people.count("checked") == 3
    assert ">DL</label>" in group_form(page, "Deep learning")
    assert ">HZM</label>" in group_form(page, "Helmholtz Zentrum München")
    assert "Seeing cells" in page and "Seeing the cells" in page
    assert "Nothing has been merged yet." in page


def test_one_click_merges_the_group_and_says_what_moved(client, event, organiser):
    john, initial = Person.objects.get(first_name="John"), Person.objects.get(first_name="J.")
    authorships = Authorship.objects.filter(abstract__event=event).count()

    response = client.post(
        page_url(event), {"kind": "person", "keep": john.pk, "record": [john.pk, initial.pk]}, follow=True
    )

    page = response.content.decode()
    assert response.redirect_chain == [(page_url(event), 302)]
    assert "Merged 1 person (“J. Smith”) into “John Smith”: 2 authorships moved; 2 abstracts changed." in page
    assert Authorship.objects.filter(abstract__event=event).count() == authorships
    assert set(Authorship.objects.filter(abstract__event=event).values_list("person_id", flat=True)) == {
        john.pk,
        Person.objects.get(first_name="Ada").pk,
    }
    assert ">J. Smith</label>" not in page, "the group is gone from the report"
    merges = page[page.index('id="merges"') :]
    assert "J. Smith" in merges and "olga@example.org" in merges


def test_a_merge_is_recorded_and_shows_in_each_abstracts_history(client, event, organiser):
    kept = Keyword.objects.get(label="Deep learning")
    acronym = Keyword.objects.get(label="DL")
    touched = sorted(AbstractKeyword.objects.filter(keyword=acronym).values_list("abstract_id", flat=True))
    untouched = AbstractKeyword.objects.get(keyword=kept).abstract_id

    client.post(page_url(event), {"kind": "keyword", "keep": kept.pk, "record": [acronym.pk, kept.pk]})

    record = MergeRecord.objects.get()
    assert (record.event, record.kind, record.kept_id, record.kept_label) == (
        event,
        "keyword",
        kept.pk,
        "Deep learning",
    )
    assert (record.merged_ids, record.merged_labels) == ([acronym.pk], ["DL"])
    assert (record.links_moved, record.links_collapsed, record.abstracts_touched) == (2, 0, 2)
    assert (record.actor, record.actor_label) == (organiser, "olga@example.org")
    entries = AuditEntry.objects.filter(action="merge").order_by("abstract_id")
    assert [entry.abstract_id for entry in entries] == touched
    assert {entry.summary for entry in entries} == {"Merged keyword “DL” into “Deep learning”"}
    assert entries[0].details == {
        "kind": "keyword",
        "kept": kept.pk,
        "merged": [acronym.pk],
        "merge_record": record.pk,
    }
    assert not AuditEntry.objects.filter(abstract_id=untouched).exists()
    history = client.get(f"/events/{event.slug}/board/abstracts/{touched[0]}/").content.decode()
    assert "Merged keyword “DL” into “Deep learning”" in history and "olga@example.org" in history


def test_merging_by_hand_finds_the_records_and_merges_the_ticked_ones(client, event, organiser):
    hzm, full = Affiliation.objects.get(name="HZM"), Affiliation.objects.get(name="Helmholtz Zentrum München")

    found = client.get(page_url(event), {"kind": "affiliation", "q": "hzm helmholtz"}).content.decode()
    manual = found[found.index('id="manual"') : found.index('id="merges"')]
    assert ">HZM</label>" in manual and ">Helmholtz Zentrum München</label>" in manual
    assert "checked" not in manual, "nothing is ticked for the organiser"

    response = client.post(
        page_url(event),
        {
            "kind": "affiliation",
            "keep": full.pk,
            "record": [hzm.pk],
            "return_query": "kind=affiliation&q=hzm+helmholtz",
        },
        follow=True,
    )

    assert response.redirect_chain == [(f"{page_url(event)}?kind=affiliation&q=hzm+helmholtz", 302)]
    assert "into “Helmholtz Zentrum München”: 2 affiliation links moved" in response.content.decode()
    assert not Affiliation.objects.filter(pk=hzm.pk).exists()
    nothing = client.get(page_url(event), {"kind": "keyword", "q": "zebrafish"}).content.decode()
    assert "No keyword record of this event matches “zebrafish”." in nothing


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "person", "record": ["1"]}, "Choose the record to keep."),
        ({"kind": "person", "keep": "abc", "record": ["1"]}, "Choose the record to keep."),
        ({"kind": "person", "keep": "JOHN", "record": []}, "Tick at least one record besides the one kept"),
        ({"kind": "person", "keep": "JOHN", "record": ["x1"]}, "Tick the records to merge from the list."),
        ({"kind": "robot", "keep": "JOHN", "record": ["INITIAL"]}, "Unknown kind of record."),
        (
            {"kind": "person", "keep": "JOHN", "record": ["JOHN"]},
            "Tick at least one record besides the one kept",
        ),
        ({"kind": "keyword", "keep": "999999991", "record": ["999999992"]}, "no longer exist"),
        ({"kind": "person", "keep": "JOHN", "record": ["99999999999999999999"]}, "Tick the records to merge"),
        ({"kind": "person", "keep": "JOHN", "record": ["STRANGER"]}, "belongs to another event"),
        ({"kind": "person", "keep": "99999999999999999999", "record": ["1"]}, "Choose the record to keep."),
    ],
)
def test_bad_merge_input_says_what_is_wrong_and_merges_nothing(client, event, organiser, data, message):
    ids = {
        "JOHN": str(Person.objects.get(first_name="John").pk),
        "INITIAL": str(Person.objects.get(first_name="J.").pk),
        "STRANGER": str(make_person(make_event(), last_name="Smith").pk),
    }
    data = {
        key: [ids.get(v, v) for v in value] if isinstance(value, list) else ids.get(value, value)
        for key, value in data.items()
    }
    response = client.post(page_url(event), data, follow=True)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Person.objects.filter(event=event).count() == 3
    assert not MergeRecord.objects.exists()


def test_the_admin_lists_merges_of_the_events_a_user_organises(client, event):
    other_event = make_event()
    people = [make_person(other_event, first_name=name, last_name="Okafor") for name in ("Chidi", "C.")]
    john, initial = Person.objects.get(first_name="John"), Person.objects.get(first_name="J.")
    people_merge(event=event, keep_id=john.pk, merge_ids=[initial.pk])
    people_merge(event=other_event, keep_id=people[0].pk, merge_ids=[people[1].pk])
    staff = user("sid", is_staff=True)  # an organiser needs staff status, no model permissions
    EventRole.objects.create(event=event, user=staff, role="organiser")

    client.force_login(staff)
    listing = client.get("/admin/cleanup/mergerecord/").content.decode()
    assert "J. Smith" in listing and "Okafor" not in listing
    assert other_event.name not in listing, "the filter names only the user's events"
    mine, other = MergeRecord.objects.get(event=event), MergeRecord.objects.get(event=other_event)
    assert client.get(f"/admin/cleanup/mergerecord/{mine.pk}/change/").status_code == 200
    assert (
        client.get(f"/admin/cleanup/mergerecord/{other.pk}/change/").status_code == 302
    )  # not found → index
    assert client.get("/admin/cleanup/mergerecord/add/").status_code == 403
    assert client.post(f"/admin/cleanup/mergerecord/{mine.pk}/delete/", {"post": "yes"}).status_code == 403
    assert MergeRecord.objects.count() == 2

    reviewer = user("rita", is_staff=True)
    EventRole.objects.create(event=event, user=reviewer, role="reviewer")
    client.force_login(reviewer)
    assert client.get("/admin/cleanup/mergerecord/").status_code == 403

    client.force_login(user("root", is_staff=True, is_superuser=True))
    listing = client.get("/admin/cleanup/mergerecord/").content.decode()
    assert "J. Smith" in listing and "C. Okafor" in listing


def test_a_bad_search_says_what_is_wrong(client, event, organiser):
    page = client.get(page_url(event), {"kind": "robots", "q": "x" * 300}).content.decode()

    assert "Select a valid choice. robots is not one of the available choices." in page
    assert "Ensure this value has at most 200 characters (it has 300)." in page


def test_the_page_reads_the_same_number_of_times_however_many_groups_it_shows(client, event, organiser):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page_url(event)).status_code == 200
        return len(captured)

    def add_duplicates(start: int, count: int) -> None:
        for n in range(start, start + count):
            name = hashlib.sha256(str(n).encode()).hexdigest()[:10]  # names far apart from each other
            person = make_person(event, first_name="Zora", last_name=f"Q{name}")
            again = make_person(event, first_name="Z.", last_name=f"Q{name}")
            make_abstract(
                event, authors=[(person, []), (again, [])], keywords=[f"Network {name}", f"Networks {name}"]
            )

    add_duplicates(0, 2)
    few = queries()
    add_duplicates(2, 20)
    page = client.get(page_url(event)).content.decode()

    assert page.count('class="merge-group"') == 3 + 2 * 22
    assert queries() == few
