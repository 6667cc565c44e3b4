"""Submitting, editing and withdrawing an abstract through the web form (Django's test client)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from abstracts.models import Abstract, Affiliation, Keyword, Person
from tests.factories import make_abstract, make_event, make_person, make_session

pytestmark = pytest.mark.django_db


def open_call_event(**fields):
    now = timezone.now()
    event = make_event(
        is_published=True,
        call_opens_at=now - timedelta(days=10),
        call_deadline=now + timedelta(days=5),
        word_limit=fields.pop("word_limit", 50),
        **fields,
    )
    make_session(event, "Biomedicine", 1)
    make_session(event, "Earth and environment", 2)
    return event


def form_data(
    event,
    *,
    title="Imaging CO<sub>2</sub> in leaves",
    text="First paragraph with <i>Arabidopsis</i>.\n\nSecond paragraph at 10<sup>20</sup> m.",
    note="",
    affiliations=("Forschungszentrum Jülich", "Helmholtz Munich", "University of Bonn"),
    authors=(
        ("Anna", "Müller", [0, 1]),
        ("Jörg", "Götz", [1]),
        ("Li", "Wei", [2]),
    ),
    presenting=0,
    keywords=("plant imaging", "CO2"),
    session=True,
    action="save",
    order=None,
    **extra,
):
    """POST data as the page's form sends it (without JavaScript)."""
    data = {
        "action": action,
        "abstract-title": title,
        "abstract-text": text,
        "abstract-note": note,
        "abstract-preferred_session": str(event.sessions.first().pk) if session else "",
        "affiliation-TOTAL_FORMS": str(len(affiliations)),
        "affiliation-INITIAL_FORMS": "0",
        "author-TOTAL_FORMS": str(len(authors)),
        "author-INITIAL_FORMS": "0",
        "keyword-TOTAL_FORMS": str(len(keywords)),
        "keyword-INITIAL_FORMS": "0",
        "presenting": "" if presenting is None else str(presenting),
    }
    for index, name in enumerate(affiliations):
        data[f"affiliation-{index}-name"] = name
    for index, (first, last, ticked) in enumerate(authors):
        data[f"author-{index}-first_name"] = first
        data[f"author-{index}-last_name"] = last
        data[f"author-{index}-ORDER"] = str(order[index] if order else index + 1)
        data[f"author-{index}-affiliations"] = [str(i) for i in ticked]
    for index, label in enumerate(keywords):
        data[f"keyword-{index}-label"] = label
    data.update(extra)
    return data


@pytest.fixture
def scientist(client):
    user = User.objects.create_user("anna@example.org", "anna@example.org", "a long passphrase 1")
    client.force_login(user)
    return user


def submit_new(client, event, **fields):
    return client.post(f"/events/{event.slug}/submit/", form_data(event, **fields))


def test_the_event_page_shows_the_open_call_with_deadline_sessions_and_a_submit_button(client):
    event = open_call_event(time_zone="America/New_York")

    page = client.get(f"/events/{event.slug}/").content.decode()

    assert "Call for abstracts open" in page
    local = timezone.localtime(
        event.call_deadline, timezone=__import__("zoneinfo").ZoneInfo("America/New_York")
    )
    assert local.strftime("%H:%M") in page and "America/New_York" in page
    assert "Biomedicine · Earth and environment" in page
    assert f'href="/events/{event.slug}/submit/"' in page


def test_a_closed_call_has_no_submit_button(client):
    now = timezone.now()
    event = make_event(
        is_published=True, call_opens_at=now - timedelta(days=9), call_deadline=now - timedelta(days=1)
    )

    page = client.get(f"/events/{event.slug}/").content.decode()

    assert "Call for abstracts closed" in page
    assert "/submit/" not in page


def test_submitting_needs_an_account(client):
    event = open_call_event()

    response = client.get(f"/events/{event.slug}/submit/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_draft_is_stored_with_authors_in_order_numbered_affiliations_and_keywords(client, scientist):
    event = open_call_event()

    response = submit_new(client, event, order=[2, 1, 3])  # Götz moved before Müller

    assert response.status_code == 302
    abstract = Abstract.objects.get(submitter=scientist)
    assert abstract.status == "draft" and abstract.submitted_at is None
    assert abstract.title == "Imaging CO<sub>2</sub> in leaves"
    assert abstract.preferred_session == event.sessions.first()
    authors = [(a.person.last_name, a.is_presenting) for a in abstract.authorships.order_by("position")]
    assert authors == [("Götz", False), ("Müller", True), ("Wei", False)]
    page = client.get(abstract.get_absolute_url()).content.decode()
    # Götz carries Helmholtz Munich first, so it is number 1 now; Jülich becomes 2.
    assert "<u>Anna Müller</u><sup>2,1</sup>" in page
    assert "Jörg Götz<sup>1</sup>" in page
    assert '<li value="1"><sup>1</sup> Helmholtz Munich</li>' in page
    assert list(abstract.keyword_links.values_list("keyword__label", flat=True)) == ["plant imaging", "CO2"]


def test_submit_then_the_confirmation_and_my_abstracts(client, scientist):
    event = open_call_event()

    response = submit_new(client, event, action="submit")

    abstract = Abstract.objects.get(submitter=scientist)
    assert response.status_code == 302 and response["Location"] == abstract.get_absolute_url()
    assert abstract.status == "submitted" and abstract.submitted_at is not None
    trail = list(abstract.audit_entries.values_list("summary", "actor_label"))
    assert trail == [("Status draft → submitted (by its submitter)", scientist.email)]
    mine = client.get("/my/abstracts/").content.decode()
    assert "Imaging CO<sub>2</sub> in leaves" in mine and "Submitted" in mine


@pytest.mark.parametrize(
    ("fields", "where", "message"),
    [
        ({"title": ""}, "title", "Give the abstract a title"),
        ({"authors": ()}, "authors", "List at least one author."),
        ({"authors": (("Anna", "Müller", []),)}, "author", "has no affiliation"),
        ({"presenting": None}, "presenting", "Choose the presenting author."),
        ({"keywords": ("Deep learning", "deep  Learning")}, "keywords", "is listed twice"),
        ({"keywords": ()}, "keywords", "Give at least one keyword."),
        ({"text": "word " * 51}, "text", "The text has 51 words; the limit is 50."),
        ({"text": "Hi <script>alert(1)</script>"}, "text", "remove &lt;script&gt;"),
        ({"title": '<i onclick="x()">T</i>'}, "title", "attributes on &lt;i&gt;"),
        ({"session": False}, "preferred_session", "Choose the session"),
        ({"affiliations": ("Jülich", "Nobody's")}, "affiliations", "is not attached to any author"),
    ],
)
def test_submitting_incomplete_content_says_what_is_wrong_and_keeps_what_was_typed(
    client, scientist, fields, where, message
):
    event = open_call_event()
    if "affiliations" in fields:
        fields["authors"] = (("Anna", "Müller", [0]),)

    response = submit_new(client, event, action="submit", **fields)

    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert 'role="alert"' in page
    assert not Abstract.objects.exists()
    # What was typed comes back: the title field still holds it.
    typed_title = fields.get("title", "Imaging CO<sub>2</sub> in leaves")
    if typed_title:
        assert (
            'value="' + typed_title.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;") in page
        )


def test_a_bad_orcid_is_refused_next_to_the_field(client, scientist):
    event = open_call_event()

    response = submit_new(client, event, **{"author-0-orcid": "0000-0002-1825-0098"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "its check digit is wrong" in page
    assert 'id="id_author-0-orcid"' in page and 'aria-invalid="true"' in page
    assert 'value="0000-0002-1825-0098"' in page


def test_an_orcid_without_dashes_is_stored_in_the_standard_form(client, scientist):
    event = open_call_event()

    submit_new(client, event, **{"author-0-orcid": " 0000000218250097 "})

    assert Person.objects.get(last_name="Müller").orcid == "0000-0002-1825-0097"


def test_a_draft_may_be_incomplete_but_is_never_submitted(client, scientist):
    event = open_call_event()

    response = submit_new(client, event, authors=(), keywords=(), text="", presenting=None)

    assert response.status_code == 302
    assert Abstract.objects.get().status == "draft"


def test_preview_renders_the_book_partial_without_saving(client, scientist):
    event = open_call_event()

    response = submit_new(client, event, action="preview")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Preview, as the book will print it" in page
    assert '<h1 class="abstract-title" id="abstract-0-title">Imaging CO<sub>2</sub> in leaves</h1>' in page
    assert "<u>Anna Müller</u><sup>1,2</sup>" in page
    assert (
        "<p>First paragraph with <i>Arabidopsis</i>.</p><p>Second paragraph at 10<sup>20</sup> m.</p>" in page
    )
    assert not Abstract.objects.exists()


def test_editing_replaces_authors_and_keeps_shared_people_of_other_abstracts(client, scientist):
    event = open_call_event()
    submit_new(client, event, action="submit")
    abstract = Abstract.objects.get()
    edit_url = f"/events/{event.slug}/abstracts/{abstract.pk}/edit/"
    assert client.get(edit_url).status_code == 200

    response = client.post(
        edit_url,
        form_data(
            event,
            authors=(("Anna", "Müller", [0]), ("Maria", "García", [0])),
            affiliations=("Forschungszentrum Jülich",),
            presenting=1,
            keywords=("plant imaging",),
        ),
    )

    assert response.status_code == 302
    abstract.refresh_from_db()
    assert abstract.status == "submitted"  # saving changes keeps it submitted
    assert [a.person.last_name for a in abstract.authorships.order_by("position")] == ["Müller", "García"]
    # People, affiliations and keywords nobody uses any more are gone; nothing else is.
    assert not Person.objects.filter(last_name__in=["Götz", "Wei"]).exists()
    assert set(Affiliation.objects.values_list("name", flat=True)) == {"Forschungszentrum Jülich"}
    assert list(Keyword.objects.values_list("label", flat=True)) == ["plant imaging"]


def test_a_submitted_abstract_stays_complete_when_edited(client, scientist):
    event = open_call_event()
    submit_new(client, event, action="submit")
    abstract = Abstract.objects.get()

    response = client.post(
        f"/events/{event.slug}/abstracts/{abstract.pk}/edit/", form_data(event, keywords=())
    )

    assert response.status_code == 400
    assert "Give at least one keyword." in response.content.decode()


def test_an_affiliation_typed_the_known_way_is_shared_and_not_duplicated(client, scientist):
    event = open_call_event()
    submit_new(client, event)

    submit_new(client, event, affiliations=("forschungszentrum  JÜLICH",), authors=(("Eva", "Klein", [0]),))

    assert Affiliation.objects.filter(name__icontains="lich").count() == 1


def test_an_email_of_another_author_with_another_name_is_refused(client, scientist):
    event = open_call_event()
    other = make_person(event, first_name="Jan", last_name="Novák", email="jan@example.org")
    make_abstract(event, authors=[(other, [])])

    response = submit_new(client, event, **{"author-0-email": "JAN@example.org"})

    assert response.status_code == 400
    assert "already used in this event by an author with a different name" in response.content.decode()
    assert Person.objects.get(email="jan@example.org").last_name == "Novák"


def test_someone_elses_abstract_does_not_exist_for_you(client, scientist):
    event = open_call_event()
    stranger = User.objects.create_user("eve@example.org", "eve@example.org", "x")
    theirs = make_abstract(event, status="submitted", submitter=stranger)

    for url in (
        f"/events/{event.slug}/abstracts/{theirs.pk}/",
        f"/events/{event.slug}/abstracts/{theirs.pk}/edit/",
        f"/events/{event.slug}/abstracts/{theirs.pk}/withdraw/",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(f"/events/{event.slug}/abstracts/{theirs.pk}/edit/", form_data(event)).status_code == 404
    )
    assert client.post(f"/events/{event.slug}/abstracts/{theirs.pk}/withdraw/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "submitted" and theirs.title.startswith("Abstract")


def test_after_the_deadline_nothing_can_be_submitted_or_changed(client, scientist):
    event = open_call_event()
    submit_new(client, event, action="submit")
    abstract = Abstract.objects.get()
    event.call_opens_at = timezone.now() - timedelta(days=20)
    event.call_deadline = timezone.now() - timedelta(minutes=1)
    event.save()

    late_new = submit_new(client, event, action="submit", title="Too late")
    late_edit = client.post(
        f"/events/{event.slug}/abstracts/{abstract.pk}/edit/", form_data(event, title="Changed")
    )
    edit_page = client.get(f"/events/{event.slug}/abstracts/{abstract.pk}/edit/")

    assert late_new.status_code == 400 and "The submission deadline passed on" in late_new.content.decode()
    assert 'value="Too late"' in late_new.content.decode()  # nothing typed is lost
    assert late_edit.status_code == 400
    assert edit_page.status_code == 302  # read-only: back to the abstract's page
    abstract.refresh_from_db()
    assert abstract.title == "Imaging CO<sub>2</sub> in leaves"
    assert Abstract.objects.count() == 1


def test_withdraw(client, scientist):
    event = open_call_event()
    submit_new(client, event, action="submit")
    abstract = Abstract.objects.get()

    response = client.post(f"/events/{event.slug}/abstracts/{abstract.pk}/withdraw/")

    assert response.status_code == 302
    abstract.refresh_from_db()
    assert abstract.status == "withdrawn"
    assert client.get(f"/events/{event.slug}/abstracts/{abstract.pk}/edit/").status_code == 302


def test_script_in_any_field_never_reaches_a_page_unescaped(client, scientist):
    event = open_call_event()
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    submit_new(
        client,
        event,
        title="Title",
        text="Plain text.",
        note=attack,
        affiliations=(attack,),
        authors=((attack, attack, [0]),),
        keywords=(attack,),
    )
    abstract = Abstract.objects.get()

    for url in (
        abstract.get_absolute_url(),
        f"/events/{event.slug}/abstracts/{abstract.pk}/edit/",
        "/my/abstracts/",
    ):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page, url
        if "/my/" not in url:
            assert "&lt;script&gt;" in page, url  # shown as typed, as text


@pytest.mark.parametrize(
    "tamper",
    [
        {"author-TOTAL_FORMS": "5000"},
        {"author-TOTAL_FORMS": "lots"},
        {"author-0-ORDER": "first"},
        {"author-0-affiliations": ["7"]},
        {"presenting": "<script>"},
        {"author-0-email": "a" * 250 + "@example.org"},
    ],
)
def test_tampered_or_oversized_form_data_gets_a_clear_answer_and_stores_nothing(client, scientist, tamper):
    event = open_call_event()

    response = submit_new(client, event, action="submit", **tamper)

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Abstract.objects.exists()
