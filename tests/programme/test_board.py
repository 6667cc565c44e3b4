"""The organisers' programme board over HTTP: who may open it, decisions, sessions, order, poster codes."""

import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection

from abstracts.models import Abstract
from conference.models import Event, EventRole
from programme.services import poster_codes_assign
from tests.factories import make_abstract, make_event, make_session

pytestmark = pytest.mark.django_db


def user(name: str) -> User:
    return User.objects.create_user(name, f"{name}@example.org", "x")


@pytest.fixture
def event():
    event = make_event(is_published=True, poster_code_pattern="PS-{n:02d}")
    make_session(event, "Biomedicine", 1)
    make_session(event, "Earth", 2)
    return event


@pytest.fixture
def organiser(client, event):
    person = user("olga")
    EventRole.objects.create(event=event, user=person, role="organiser")
    client.force_login(person)
    return person


def board_url(event: Event) -> str:
    return f"/events/{event.slug}/board/"


def post(client, event, **data):
    return client.post(board_url(event), data)


def test_who_may_open_the_board(client, event):
    other_event = make_event(is_published=True)
    submitter, reviewer, other_organiser = user("sam"), user("rita"), user("otto")
    make_abstract(event, status="submitted", submitter=submitter)
    EventRole.objects.create(event=event, user=reviewer, role="reviewer")
    EventRole.objects.create(event=other_event, user=other_organiser, role="organiser")

    anonymous = client.get(board_url(event))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    for person in (submitter, reviewer, other_organiser):
        client.force_login(person)
        assert client.get(board_url(event)).status_code == 403, person
        assert post(client, event, action="lock").status_code == 403, person
    event.refresh_from_db()
    assert not event.codes_locked


def test_the_board_lists_abstracts_past_draft_in_programme_order_with_natural_codes(client, event, organiser):
    session = event.sessions.get(title="Biomedicine")
    for n in (10, 2, 1):
        make_abstract(event, code=f"PS-{n}", session=session, title=f"Poster {n}")
    make_abstract(event, status="draft", title="A draft")

    page = client.get(board_url(event)).content.decode()

    assert page.index("Poster 1<") < page.index("Poster 2<") < page.index("Poster 10<")
    assert "A draft" not in page


def test_bulk_accept_and_reject_leave_drafts_and_withdrawn_alone(client, event, organiser):
    submitted = [make_abstract(event, status="submitted") for _ in range(3)]
    draft = make_abstract(event, status="draft")
    revision = Event.objects.get(pk=event.pk).revision

    response = post(client, event, action="accept", abstract=[a.pk for a in submitted[:2]] + [draft.pk])
    post(client, event, action="reject", abstract=[submitted[2].pk])

    assert response.status_code == 302
    statuses = dict(Abstract.objects.values_list("pk", "status"))
    assert [statuses[a.pk] for a in submitted] == ["accepted", "accepted", "rejected"]
    assert statuses[draft.pk] == "draft"
    assert Event.objects.get(pk=event.pk).revision > revision  # the book follows


def test_sessions_are_filled_in_order_and_abstracts_move_within_them(client, event, organiser):
    biomedicine = event.sessions.get(title="Biomedicine")
    abstracts = [make_abstract(event, title=f"A{n}") for n in range(4)]

    post(client, event, action="session", session=str(biomedicine.pk), abstract=[a.pk for a in abstracts])
    post(client, event, action=f"up:{abstracts[2].pk}")
    post(client, event, action=f"down:{abstracts[0].pk}")

    in_order = list(
        Abstract.objects.filter(session=biomedicine).order_by("order").values_list("title", flat=True)
    )
    assert in_order == ["A2", "A0", "A1", "A3"]


def test_a_dropped_abstract_lands_next_to_its_neighbour_even_on_a_filtered_board(client, event, organiser):
    biomedicine, earth = event.sessions.get(title="Biomedicine"), event.sessions.get(title="Earth")
    abstracts = [make_abstract(event, title=f"A{n}", session=biomedicine, order=n + 1) for n in range(5)]
    elsewhere = make_abstract(event, title="Earth one", session=earth, order=1)

    def stored() -> list[str]:
        return list(
            Abstract.objects.filter(session=biomedicine).order_by("order").values_list("title", flat=True)
        )

    # A4 dropped after A1 (as on a board filtered down to A1 and A4), then A0 dropped before A3.
    post(client, event, action=f"place:{abstracts[4].pk}", next_to=abstracts[1].pk, side="after")
    assert stored() == ["A0", "A1", "A4", "A2", "A3"]
    post(client, event, action=f"place:{abstracts[0].pk}", next_to=abstracts[3].pk, side="before")
    assert stored() == ["A1", "A4", "A2", "A0", "A3"]

    # Next to an abstract of another session, or with nonsense, nothing moves and the board says why.
    page = client.post(
        board_url(event),
        {"action": f"place:{abstracts[1].pk}", "next_to": elsewhere.pk, "side": "after"},
        follow=True,
    ).content.decode()
    assert "Drop it next to an abstract of its own session." in page
    for data in ({"next_to": "x", "side": "after"}, {"next_to": abstracts[2].pk, "side": "sideways"}):
        response = post(client, event, action=f"place:{abstracts[1].pk}", **data)
        assert response.status_code == 302
    assert stored() == ["A1", "A4", "A2", "A0", "A3"]


def test_a_board_of_thousands_of_abstracts_still_takes_its_actions(client, event, organiser):
    # Without JavaScript the board posts one code field per row; 6,000 rows must not be refused.
    abstract = make_abstract(event, status="accepted", title="Only one")
    fields = {f"code-{n}": "" for n in range(100_000, 106_000)}

    response = client.post(
        board_url(event), {**fields, "action": f"code:{abstract.pk}", f"code-{abstract.pk}": "PS7"}
    )

    assert response.status_code == 302
    abstract.refresh_from_db()
    assert abstract.code == "PS7"


def test_numbering_by_programme_then_lock(client, event, organiser):
    biomedicine, earth = event.sessions.get(title="Biomedicine"), event.sessions.get(title="Earth")
    late = make_abstract(event, session=earth, order=1, title="Earth first")
    make_abstract(event, session=biomedicine, order=2, title="Bio second")
    make_abstract(event, session=biomedicine, order=1, title="Bio first")
    make_abstract(event, status="rejected", code="PS-01", title="Rejected")

    post(client, event, action="number", policy="programme")

    codes = dict(Abstract.objects.values_list("title", "code"))
    assert codes == {"Bio first": "PS-01", "Bio second": "PS-02", "Earth first": "PS-03", "Rejected": ""}
    post(client, event, action="lock")
    response = client.post(board_url(event), {"action": "number", "policy": "submission"}, follow=True)
    assert "The poster codes are locked" in response.content.decode()
    assert Abstract.objects.get(pk=late.pk).code == "PS-03"


def test_a_code_set_by_hand_must_be_unique(client, event, organiser):
    one = make_abstract(event, code="PS-01", title="One")
    two = make_abstract(event, title="Two")

    taken = {"action": f"code:{two.pk}", f"code-{two.pk}": "PS-01"}
    response = client.post(board_url(event), taken, follow=True)
    post(client, event, action=f"code:{two.pk}", **{f"code-{two.pk}": " PS-99 "})

    assert "PS-01 is already the code of “One”" in response.content.decode()
    assert Abstract.objects.get(pk=one.pk).code == "PS-01"
    assert Abstract.objects.get(pk=two.pk).code == "PS-99"


@pytest.mark.django_db(transaction=True)
def test_two_organisers_numbering_at_once_get_unique_codes(event):
    """On PostgreSQL the two run truly at once; the event's row lock serialises them."""
    for n in range(40):
        make_abstract(event, title=f"Poster {n}")
    start = threading.Barrier(2)
    errors = []

    def number(policy):
        try:
            start.wait()
            poster_codes_assign(event=event, policy=policy)
        except Exception as error:  # any failure is reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=number, args=(p,)) for p in ("programme", "submission")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    codes = list(Abstract.objects.values_list("code", flat=True))
    assert sorted(codes) == [f"PS-{n:02d}" for n in range(1, 41)]


def test_the_event_page_links_the_board_for_its_organisers_only(client, event):
    assert "Programme board" not in client.get(f"/events/{event.slug}/").content.decode()
    client.force_login(user("sam"))
    assert "Programme board" not in client.get(f"/events/{event.slug}/").content.decode()
    organiser = user("olga")
    EventRole.objects.create(event=event, user=organiser, role="organiser")
    client.force_login(organiser)
    assert f'href="/events/{event.slug}/board/"' in client.get(f"/events/{event.slug}/").content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"action": "up:999999"},
        {"action": "down:abc"},
        {"action": "code:999999", "code-999999": "PS-1"},
        {"action": "number", "policy": "alphabetical"},
        {"action": "session", "session": "other-session", "abstract": ["1"]},
        {"action": "explode"},
    ],
)
def test_bad_board_input_gets_a_message_not_an_error(client, event, organiser, data):
    other_event = make_event()
    stranger = make_abstract(other_event, code="X-1")
    other_session = make_session(other_event, "Elsewhere")
    data = {
        key: (
            value.replace("999999", str(stranger.pk)).replace("other-session", str(other_session.pk))
            if isinstance(value, str)
            else value
        )
        for key, value in data.items()
    }

    response = client.post(board_url(event), data, follow=True)

    assert response.status_code == 200
    assert "message-error" in response.content.decode()
    assert Abstract.objects.get(pk=stranger.pk).code == "X-1"


HUGE = "9" * 30  # beyond any database integer


@pytest.mark.parametrize(
    "data",
    [
        {"action": f"place:{HUGE}", "next_to": "1", "side": "after"},
        {"action": "place:1", "next_to": HUGE, "side": "before"},
        {"action": f"up:{HUGE}"},
        {"action": f"code:{HUGE}", f"code-{HUGE}": "X"},
        {"action": "session", "abstract": [HUGE], "session": HUGE},
    ],
    ids=["place", "next_to", "up", "code", "session"],
)
def test_ids_beyond_any_integer_get_a_message_not_an_error(client, event, organiser, data):
    abstract = make_abstract(event, status="submitted", title="Untouched")

    response = client.post(board_url(event), data, follow=True)

    assert response.status_code == 200
    assert response.context["messages"]
    abstract.refresh_from_db()
    assert (abstract.session_id, abstract.code) == (None, "")
