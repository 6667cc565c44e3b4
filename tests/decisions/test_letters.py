"""The letters page over HTTP: templates and placeholders, previews, queueing, release, discard,
permissions and the admin. Sending by the worker is in test_sending.py."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abstracts.models import Abstract
from audit.models import AuditEntry
from conference.models import EventRole
from decisions.letters import DEFAULT_TEXTS
from decisions.models import Letter, LetterTemplate
from programme.services import abstracts_decide
from tests.decisions.conftest import decided_event
from tests.factories import make_abstract, make_event, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def event_and_organiser(client):
    event, organiser = decided_event("t", accepted=3, rejected=2)
    client.force_login(organiser)
    return event, organiser


@pytest.fixture
def event(event_and_organiser):
    return event_and_organiser[0]


def letters_url(event, part: str = "") -> str:
    return f"/events/{event.slug}/board/letters/{part}"


def save_template(client, event, decision: str, subject: str, body: str, action: str = "save"):
    return client.post(
        letters_url(event),
        {"decision": decision, "action": action, f"{decision}-subject": subject, f"{decision}-body": body},
    )


def queue(client, event, decision: str):
    return client.post(letters_url(event, "queue/"), {"decision": decision}, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_page_previews_both_letters_with_real_abstracts_codes_and_sessions(client, event):
    page = client.get(letters_url(event)).content.decode()

    assert "Acceptance letter" in page and "Rejection letter" in page
    # The default acceptance text, filled in for the first accepted abstract.
    assert "Accepted: In vivo study a1 (Letters Meeting t)" in page
    assert "Poster code: PS01\nSession: Biomedicine\nPresenting author: Jan Seconda1" in page
    assert "t-a1@example.org" in page
    assert "Your abstract for Letters Meeting t: In vivo study r1" in page
    for name in ("title", "code", "session", "event", "presenting_author", "authors", "submitter_name"):
        assert f"<code>{{{name}}}</code>" in page
    assert "Queue letters for all accepted (3)" in page and "Queue letters for all rejected (2)" in page


def test_saved_placeholders_are_filled_in_with_the_code_and_session_when_queued(client, event):
    response = save_template(
        client,
        event,
        "accepted",
        "[{code}] {title}",
        "Dear {submitter_name},\n{title} by {authors} (presenting: {presenting_author}) is {code} in "
        "{session} at {event}: {abstract_url}\n{{not a placeholder}}",
    )
    assert response.status_code == 302
    assert LetterTemplate.objects.get(event=event, decision="accepted").subject == "[{code}] {title}"

    queue(client, event, "accepted")

    abstract = Abstract.objects.get(event=event, code="PS02")
    letter = Letter.objects.get(abstract=abstract)
    assert letter.subject == "[PS02] In vivo study a2"
    assert letter.body == (
        "Dear Suba2,\nIn vivo study a2 by Eva Firsta2, Jan Seconda2 (presenting: Jan Seconda2) is PS02 in "
        f"Earth at Letters Meeting t: http://127.0.0.1:8000/events/{event.slug}/abstracts/{abstract.pk}/\n"
        "{not a placeholder}"
    )
    assert (letter.recipient, letter.state, letter.decision) == ("t-a2@example.org", "queued", "accepted")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Dear {submiter}, your {venue} talk", "Unknown placeholders: {submiter}, {venue}."),
        ("Your code is {code[0]}", "Unknown placeholder: {code[0]}."),
        ("{title.__class__}", "Unknown placeholder: {title.__class__}."),
        ("Dear {{ submitter_name }},", "Placeholders are written with single braces"),
        ("{% if code %}yes{% endif %}", "Placeholders are written with single braces"),
        ("A lone { brace", "A “{” or “}” is missing its pair."),
        ("Code {code:>999999999}", "Placeholders take no format or conversion: write {code}."),
        ("Code {}", "An empty {} needs a name"),
    ],
)
def test_a_letter_with_a_wrong_placeholder_is_refused_with_a_message_and_not_saved(
    client, event, body, message
):
    response = save_template(client, event, "accepted", "Accepted", body)

    assert response.status_code == 400
    page = response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert "There is a problem" in page
    assert message in page
    assert not LetterTemplate.objects.filter(event=event).exists()


def test_an_unknown_placeholder_in_the_subject_names_the_known_ones(client, event):
    response = save_template(client, event, "rejected", "About {abstract}", "Dear {submitter_name}")

    assert response.status_code == 400
    page = response.content.decode()
    assert "Unknown placeholder: {abstract}. The placeholders are {title}, {code}, {session}, {event}" in page


def test_preview_shows_the_typed_text_without_saving_it(client, event):
    response = save_template(
        client, event, "accepted", "Hello {code}", "Session {session} it is.", action="preview"
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Preview of your changes" in page
    assert "Hello PS01" in page and "Session Biomedicine it is." in page
    assert not LetterTemplate.objects.filter(event=event).exists()


def test_restoring_the_default_text(client, event):
    save_template(client, event, "rejected", "Sorry", "Sorry, {submitter_name}.")
    assert '<p class="letter-subject">Sorry</p>' in client.get(letters_url(event)).content.decode()

    client.post(letters_url(event), {"decision": "rejected", "action": "reset"})

    assert not LetterTemplate.objects.filter(event=event).exists()
    page = client.get(letters_url(event)).content.decode()
    assert "Your abstract for Letters Meeting t: In vivo study r1" in page
    assert DEFAULT_TEXTS["rejected"][1].split("\n")[2] in page  # "thank you for submitting your abstract"


def test_queueing_twice_does_not_double_the_letters(client, event):
    first = queue(client, event, "accepted")
    second = queue(client, event, "accepted")

    assert Letter.objects.filter(event=event).count() == 3
    assert messages_of(first) == ["3 acceptance letters queued."]
    assert messages_of(second) == ["0 acceptance letters queued. 3 abstracts already had one."]
    assert AuditEntry.objects.filter(event=event, action="email", summary__contains="queued").count() == 3


def test_only_abstracts_with_the_decision_get_its_letter(client, event):
    make_abstract(event, status="submitted", title="Undecided")
    queue(client, event, "rejected")

    assert sorted(Letter.objects.values_list("recipient", "decision")) == [
        ("t-r1@example.org", "rejected"),
        ("t-r2@example.org", "rejected"),
    ]


def test_the_recipient_is_the_submitter_else_the_presenting_author_and_none_is_reported(client, event):
    presenting = make_person(event, first_name="Pia", last_name="Presenter", email="pia@example.org")
    silent = make_person(event, first_name="No", last_name="Address")
    with_author_address = make_abstract(
        event, authors=[(silent, []), (presenting, [])], presenting=1, title="No account"
    )
    make_abstract(event, authors=[(silent, [])], presenting=0, title="Nobody <i>to</i> write to")

    response = queue(client, event, "accepted")

    assert Letter.objects.get(abstract=with_author_address).recipient == "pia@example.org"
    assert Letter.objects.filter(event=event, decision="accepted").count() == 4
    assert messages_of(response) == [
        "4 acceptance letters queued.",
        "No e-mail address for 1 abstract: “Nobody to write to”. Give the submitter's account or the "
        "presenting author an address, then queue again.",
    ]


def test_a_queued_letter_whose_decision_changed_is_dropped_and_never_released(client, event_and_organiser):
    event, organiser = event_and_organiser
    queue(client, event, "accepted")
    changed = Abstract.objects.get(event=event, code="PS03")
    abstracts_decide(event=event, abstract_ids=[changed.pk], status="rejected", actor=organiser)

    confirmation = client.get(letters_url(event, "release/")).content.decode()
    assert "Release 2 letters?" in confirmation
    assert "1 queued letter no longer matches the abstract's decision" in confirmation

    response = queue(client, event, "rejected")
    assert messages_of(response) == [
        "3 rejection letters queued. 1 queued letter dropped: the abstract's decision changed."
    ]
    assert list(Letter.objects.filter(abstract=changed).values_list("decision", "state")) == [
        ("rejected", "queued")
    ]
    assert AuditEntry.objects.get(abstract=changed, summary__contains="dropped").summary == (
        "Acceptance letter dropped: the abstract is now rejected"
    )


def test_release_asks_first_showing_how_many_and_to_whom_and_then_releases_exactly_those(
    client, event_and_organiser
):
    event, organiser = event_and_organiser
    queue(client, event, "accepted")
    queue(client, event, "rejected")

    confirmation = client.get(letters_url(event, "release/"))
    page = confirmation.content.decode()
    assert "Release 5 letters?" in page
    assert "3 acceptance letters and 2 rejection letters to 5 addresses" in page
    for address in ("t-a1", "t-a2", "t-a3", "t-r1", "t-r2"):
        assert f"{address}@example.org" in page
    assert set(Letter.objects.values_list("state", flat=True)) == {"queued"}

    shown = [letter.pk for letter in confirmation.context["letters"]]
    make_abstract(event, submitter=User.objects.create_user("late@example.org", "late@example.org", None))
    queue(client, event, "accepted")  # queued after the confirmation was shown: not released by it
    response = client.post(letters_url(event, "release/"), {"letter": shown}, follow=True)

    assert messages_of(response) == ["5 letters released; they are being sent."]
    assert Letter.objects.get(recipient="late@example.org").state == "queued"
    released = Letter.objects.filter(state="released")
    assert released.count() == 5
    assert {letter.released_by for letter in released} == {organiser}
    history = AuditEntry.objects.filter(abstract__code="PS01", event=event).values_list("summary", flat=True)
    assert "Acceptance letter released to t-a1@example.org" in list(history)


def test_discard_removes_queued_letters_but_keeps_released_ones(client, event):
    queue(client, event, "accepted")
    letters = list(Letter.objects.filter(event=event).order_by("pk"))
    released = client.post(letters_url(event, "release/"), {"letter": [letters[0].pk]}, follow=True)
    assert messages_of(released) == ["1 letter released; it is being sent."]

    response = client.post(
        letters_url(event, "outbox/"),
        {"action": "discard", "letter": [letter.pk for letter in letters]},
        follow=True,
    )

    assert messages_of(response) == ["2 letters discarded. 1 released or sent letter kept."]
    assert list(Letter.objects.filter(event=event).values_list("pk", "state")) == [
        (letters[0].pk, "released")
    ]
    # A discarded letter can be queued again.
    assert (
        messages_of(queue(client, event, "accepted"))[0]
        == "2 acceptance letters queued. 1 abstract already had one."
    )


def test_the_outbox_counts_letters_by_state_and_filters_them(client, event):
    queue(client, event, "accepted")
    queue(client, event, "rejected")
    client.post(
        letters_url(event, "release/"),
        {"letter": list(Letter.objects.filter(decision="rejected").values_list("pk", flat=True))},
    )

    response = client.get(letters_url(event) + "?state=released")

    assert [(value, count) for value, _, count in response.context["state_counts"]] == [
        ("queued", 3),
        ("released", 2),
        ("sent", 0),
        ("failed", 0),
    ]
    assert [letter.recipient for letter in response.context["outbox"]] == [
        "t-r1@example.org",
        "t-r2@example.org",
    ]


def test_bad_input_is_answered_with_a_message_never_a_500(client, event):
    unknown = client.post(letters_url(event), {"decision": "maybe"}, follow=True)
    assert messages_of(unknown) == ["Which letter? Use the buttons under one of the two letters."]
    assert messages_of(queue(client, event, "withdrawn")) == [
        "'withdrawn' is not a decision (accepted or rejected)."
    ]
    assert (
        client.post(letters_url(event, "outbox/"), {"action": "again:99999999999999999999"}).status_code
        == 302
    )
    assert (
        client.post(letters_url(event, "outbox/"), {"action": "discard", "letter": ["x", "-1"]}).status_code
        == 302
    )
    assert client.post(letters_url(event, "release/"), {"letter": ["abc"]}).status_code == 302
    long_body = save_template(client, event, "accepted", "S", "x" * 10001)
    assert long_body.status_code == 400
    assert client.get(letters_url(event) + "?state=<script>").status_code == 200


def test_who_may_open_the_letters_pages(client):
    event, _ = decided_event("p", accepted=1, rejected=0)
    other_event = make_event(is_published=True)
    submitter = User.objects.get(email="p-a1@example.org")
    reviewer = User.objects.create_user("rita", "rita@example.org", None)
    other_organiser = User.objects.create_user("otto", "otto@example.org", None)
    EventRole.objects.create(event=event, user=reviewer, role="reviewer")
    EventRole.objects.create(event=other_event, user=other_organiser, role="organiser")
    pages = [letters_url(event), letters_url(event, "release/")]
    posts = [
        (
            letters_url(event),
            {"decision": "accepted", "action": "save", "accepted-subject": "x", "accepted-body": "y"},
        ),
        (letters_url(event, "queue/"), {"decision": "accepted"}),
        (letters_url(event, "release/"), {"letter": ["1"]}),
        (letters_url(event, "outbox/"), {"action": "again"}),
    ]

    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for person in (submitter, reviewer, other_organiser):
        client.force_login(person)
        for url in pages:
            assert client.get(url).status_code == 403, (person, url)
        for url, data in posts:
            assert client.post(url, data).status_code == 403, (person, url)
    assert not Letter.objects.exists() and not LetterTemplate.objects.exists()


def test_the_board_links_to_the_letters_page(client, event):
    page = client.get(f"/events/{event.slug}/board/").content.decode()

    assert f'href="/events/{event.slug}/board/letters/"' in page


def test_the_admin_shows_letters_read_only_and_only_of_organised_events(client, event):
    other_event, _ = decided_event("o", accepted=1, rejected=0)
    organiser = User.objects.get(email="t-olga@example.org")
    organiser.is_staff = True
    organiser.save()
    client.force_login(organiser)
    queue(client, event, "accepted")
    superuser = User.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(superuser)
    queue(client, other_event, "accepted")

    client.force_login(organiser)
    listing = client.get("/admin/decisions/letter/").content.decode()
    assert "t-a1@example.org" in listing and "o-a1@example.org" not in listing
    other_letter = Letter.objects.get(recipient="o-a1@example.org")
    assert client.get(f"/admin/decisions/letter/{other_letter.pk}/change/").status_code == 302  # not found
    own_letter = Letter.objects.get(recipient="t-a1@example.org")
    detail = client.get(f"/admin/decisions/letter/{own_letter.pk}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert client.get("/admin/decisions/letter/add/").status_code == 403

    client.force_login(superuser)
    listing = client.get("/admin/decisions/letter/").content.decode()
    assert "t-a1@example.org" in listing and "o-a1@example.org" in listing


def test_letters_of_another_event_are_left_alone_whatever_ids_are_posted(client, event):
    other_event, other_organiser = decided_event("x", accepted=2, rejected=0)
    client.force_login(other_organiser)
    queue(client, other_event, "accepted")
    others = list(Letter.objects.filter(event=other_event).values_list("pk", flat=True))
    client.force_login(User.objects.get(email="t-olga@example.org"))

    client.post(letters_url(event, "release/"), {"letter": others})
    client.post(letters_url(event, "outbox/"), {"action": "discard", "letter": others})
    client.post(letters_url(event, "outbox/"), {"action": f"again:{others[0]}"})

    assert list(Letter.objects.filter(event=other_event).values_list("state", flat=True)) == [
        "queued",
        "queued",
    ]


def test_the_letters_page_takes_the_same_number_of_queries_however_many_letters(
    client, event, django_assert_max_num_queries
):
    queue(client, event, "accepted")
    queue(client, event, "rejected")
    with CaptureQueriesContext(connection) as queries:
        client.get(letters_url(event))
    few = len(queries)  # now: the next request empties the log it reads from
    for n in range(20):
        submitter = User.objects.create_user(f"more{n}@example.org", f"more{n}@example.org", None)
        make_abstract(
            event,
            authors=[(make_person(event), [])],
            presenting=0,
            submitter=submitter,
            code=f"PS{n + 10}",
            session=event.sessions.first(),
        )
    queue(client, event, "accepted")
    assert Letter.objects.filter(event=event).count() == 25

    with django_assert_max_num_queries(few):
        client.get(letters_url(event))
