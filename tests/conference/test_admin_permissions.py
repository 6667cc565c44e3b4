"""The admin is per event too: organisers (with staff status) see and change their events' rows only."""

import pytest
from django.contrib.auth.models import User

from abstracts.models import Abstract
from conference.models import Event, EventRole
from tests.factories import make_abstract, make_event, make_person, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_events():
    ours = make_event(name="Our Meeting", slug="ours")
    theirs = make_event(name="Their Secret Meeting", slug="theirs")
    make_session(ours, "Our Session")
    make_session(theirs, "Their Session")
    make_abstract(ours, title="Our abstract", status="submitted")
    make_abstract(theirs, title="Their abstract", status="submitted")
    return ours, theirs


def staff(name: str, event: Event | None = None, role: str = "organiser") -> User:
    user = User.objects.create_user(name, f"{name}@example.org", "x", is_staff=True)
    if event is not None:
        EventRole.objects.create(event=event, user=user, role=role)
    return user


def test_an_organiser_sees_only_their_events_rows(client, two_events):
    ours, _ = two_events
    client.force_login(staff("olga", ours))

    for url in (
        "/admin/abstracts/abstract/",
        "/admin/conference/event/",
        "/admin/conference/session/",
        "/admin/abstracts/person/",
        "/admin/abstracts/keyword/",
        "/admin/audit/auditentry/",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert "Their" not in page.content.decode(), url  # not even in the list filters
    listing = client.get("/admin/abstracts/abstract/").content.decode()
    assert "Our abstract" in listing
    assert "Our Meeting" in client.get("/admin/conference/event/").content.decode()


def test_an_organiser_cannot_open_or_change_another_events_rows(client, two_events):
    ours, theirs = two_events
    client.force_login(staff("olga", ours))
    their_abstract = Abstract.objects.get(event=theirs)
    our_abstract = Abstract.objects.get(event=ours)

    opened = client.get(f"/admin/abstracts/abstract/{their_abstract.pk}/change/")
    assert opened.status_code == 302  # "doesn't exist", as for a row that isn't there
    client.post(f"/admin/abstracts/abstract/{their_abstract.pk}/delete/", {"post": "yes"})
    client.post(f"/admin/conference/event/{theirs.pk}/delete/", {"post": "yes"})
    assert Abstract.objects.filter(pk=their_abstract.pk).exists()
    assert Event.objects.filter(pk=theirs.pk).exists()

    # Their own abstract opens with its inlines, and its choices offer only their own event's rows.
    page = client.get(f"/admin/abstracts/abstract/{our_abstract.pk}/change/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Authorships" in content or "authorships" in content
    assert "Our Session" in content and "Their Session" not in content
    assert "Their Secret Meeting" not in content
    # Creating events is for superusers; creating an abstract offers only their event.
    assert client.get("/admin/conference/event/add/").status_code == 403
    add = client.get("/admin/abstracts/abstract/add/").content.decode()
    assert "Our Meeting" in add and "Their Secret Meeting" not in add


def test_an_organiser_edits_their_person_in_the_admin(client, two_events):
    ours, _ = two_events
    client.force_login(staff("olga", ours))
    person = make_person(ours, first_name="Ada", last_name="Lovelace")

    response = client.post(
        f"/admin/abstracts/person/{person.pk}/change/",
        {"event": ours.pk, "first_name": "Ada", "last_name": "King", "title": "", "email": "", "orcid": ""},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert person.last_name == "King"


def test_reviewers_and_role_less_staff_see_nothing_and_submitters_cannot_log_in(client, two_events):
    ours, _ = two_events
    for user in (staff("rita", ours, role="reviewer"), staff("sid")):
        client.force_login(user)
        index = client.get("/admin/")
        assert index.status_code == 200
        assert "Abstracts" not in index.content.decode()
        assert client.get("/admin/abstracts/abstract/").status_code == 403
        assert client.get("/admin/audit/auditentry/").status_code == 403
    submitter = User.objects.create_user("sam", "sam@example.org", "x")
    client.force_login(submitter)
    assert client.get("/admin/abstracts/abstract/").status_code == 302


def test_a_superuser_sees_every_event(client, two_events):
    client.force_login(User.objects.create_superuser("root", "root@example.org", "x"))
    listing = client.get("/admin/abstracts/abstract/").content.decode()
    assert "Our abstract" in listing and "Their abstract" in listing
