"""The public event and abstract pages, through HTTP."""

import re

import pytest
from django.contrib.auth import get_user_model

from abstracts.models import Abstract, Affiliation
from conference.models import EventRole
from tests.factories import make_abstract, make_event, make_person, make_session


def codes_in(html: str) -> list[str]:
    return re.findall(r'<span class="code">([^<]*)</span>', html)


@pytest.mark.django_db
def test_event_page_sorts_codes_naturally(client):
    event = make_event(is_published=True)
    for code in ["PS10", "PS2", "PS1", "PS-11", "PS20"]:
        make_abstract(event, code=code)

    response = client.get(f"/events/{event.slug}/")

    assert response.status_code == 200
    assert codes_in(response.content.decode()) == ["PS1", "PS2", "PS10", "PS-11", "PS20"]


@pytest.mark.django_db
def test_event_page_groups_abstracts_by_session_in_session_order(client):
    event = make_event(is_published=True)
    biophysics = make_session(event, "Biophysics", order=2)
    biomedicine = make_session(event, "Biomedicine", order=1)
    make_session(event, "Empty session", order=3)
    make_abstract(event, code="PS01", session=biophysics)
    make_abstract(event, code="PS02", session=biomedicine)
    make_abstract(event, code="PS03", session=biophysics)
    make_abstract(event, code="PS04")

    html = client.get(f"/events/{event.slug}/").content.decode()

    headings = re.findall(r'<h3 class="session-title">([^<]*)</h3>', html)
    assert headings == ["Biomedicine", "Biophysics", "Other abstracts"]
    assert codes_in(html) == ["PS02", "PS01", "PS03", "PS04"]


@pytest.mark.django_db
def test_event_page_lists_only_accepted_abstracts(client):
    event = make_event(is_published=True)
    make_abstract(event, code="PS01", title="Accepted one")
    for status in ["draft", "submitted", "rejected", "withdrawn"]:
        make_abstract(event, code=f"X-{status}", title=f"Not shown {status}", status=status)

    html = client.get(f"/events/{event.slug}/").content.decode()

    assert codes_in(html) == ["PS01"]
    assert "Not shown" not in html


@pytest.mark.django_db
def test_an_unpublished_event_is_hidden_from_all_but_those_with_a_role_in_it(client):
    event = make_event(is_published=False, name="Secret meeting")
    staff = get_user_model().objects.create_user("staff", password="x", is_staff=True)
    organiser = get_user_model().objects.create_user("organiser", password="x")
    EventRole.objects.create(event=event, user=organiser, role="organiser")

    assert client.get(f"/events/{event.slug}/").status_code == 404
    assert "Secret meeting" not in client.get("/").content.decode()
    client.force_login(staff)  # staff status alone gives no event
    assert client.get(f"/events/{event.slug}/").status_code == 404
    assert "Secret meeting" not in client.get("/").content.decode()
    client.force_login(organiser)
    assert client.get(f"/events/{event.slug}/").status_code == 200
    assert "Secret meeting" in client.get("/").content.decode()


@pytest.mark.django_db
def test_abstract_page_prints_authors_affiliation_numbers_note_and_keywords(client):
    event = make_event(is_published=True)
    fzj = Affiliation.objects.create(event=event, name="Forschungszentrum Jülich, Germany")
    tum = Affiliation.objects.create(event=event, name="TU München, Germany")
    abstract = make_abstract(
        event,
        code="PS-07",
        title="Not one model fits all",
        note="On behalf of the consortium",
        text="First paragraph.\n\nSecond paragraph with CO<sub>2</sub>.",
        authors=[
            (make_person(event, first_name="Jingwei", last_name="Li"), [fzj, tum]),
            (make_person(event, first_name="Danilo", last_name="Bzdok"), [tum]),
            (make_person(event, first_name="Sarah", last_name="Genon"), [fzj]),
        ],
        presenting=1,
        keywords=["Brain", "Fairness"],
    )

    html = client.get(f"/events/{event.slug}/abstracts/{abstract.pk}/").content.decode()

    assert '<p class="abstract-code">PS-07</p>' in html
    assert "Jingwei Li<sup>1,2</sup>" in html
    assert "<u>Danilo Bzdok</u><sup>2</sup>" in html
    assert "Sarah Genon<sup>1</sup>" in html
    assert '<li value="1"><sup>1</sup> Forschungszentrum Jülich, Germany</li>' in html
    assert '<li value="2"><sup>2</sup> TU München, Germany</li>' in html
    assert '<p class="abstract-note">On behalf of the consortium</p>' in html
    assert "<p>First paragraph.</p><p>Second paragraph with CO<sub>2</sub>.</p>" in html
    assert "<strong>Keywords:</strong> Brain, Fairness</p>" in html


@pytest.mark.django_db
def test_abstract_page_strips_script_and_event_handlers_from_untrusted_text(client):
    event = make_event(is_published=True)
    abstract = make_abstract(
        event,
        title='<i>In vivo</i> <script>alert("t")</script>',
        text=(
            '<img src=x onerror="alert(1)"><b onclick="x()">bold</b> q < 0.05 & more\n\n'
            '<a href="javascript:x()">link</a>'
        ),
        note='<script>alert("n")</script>',
    )

    html = client.get(f"/events/{event.slug}/abstracts/{abstract.pk}/").content.decode()

    assert "<i>In vivo</i>" in html
    assert "<script>alert" not in html
    assert "onerror" not in html
    assert "onclick" not in html
    assert "javascript:" not in html
    assert "<b>bold</b> q &lt; 0.05 &amp; more" in html
    assert '&lt;script&gt;alert("n")&lt;/script&gt;' in html or "&lt;script&gt;alert(&quot;n&quot;)" in html


@pytest.mark.django_db
def test_an_abstract_that_is_not_accepted_is_not_public(client):
    event = make_event(is_published=True)
    submitted = make_abstract(event, status=Abstract.Status.SUBMITTED)
    unpublished = make_abstract(make_event(is_published=False))

    assert client.get(f"/events/{event.slug}/abstracts/{submitted.pk}/").status_code == 404
    assert client.get(f"/events/{unpublished.event.slug}/abstracts/{unpublished.pk}/").status_code == 404
    assert client.get(f"/events/other-slug/abstracts/{submitted.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_demo_abstract_pages_show_the_sample_books_quirks(client, demo_event):
    ps30 = demo_event.abstracts.get(code="PS-30")
    ps21 = demo_event.abstracts.get(code="PS-21")

    html30 = client.get(ps30.get_absolute_url()).content.decode()
    html21 = client.get(ps21.get_absolute_url()).content.decode()

    assert "Sören Lorenz</span>" in html30  # no affiliations, so no superscript
    assert "abstract-affiliations" not in html30
    assert "Martin Hrabě de Angelis<sup>1,2</sup>" in html21
    assert "<sup>3</sup> German Center for Diabetes Research, Neuherberg, Germany" in html21


@pytest.mark.django_db
def test_event_page_queries_do_not_grow_with_the_number_of_abstracts(client, django_assert_num_queries):
    event = make_event(is_published=True)
    session = make_session(event)
    affiliation = Affiliation.objects.create(event=event, name="DESY")

    def add_abstracts(count):
        for _ in range(count):
            make_abstract(
                event,
                session=session,
                authors=[(make_person(event), [affiliation]), (make_person(event), [])],
                keywords=["Imaging"],
            )

    add_abstracts(3)
    client.get(f"/events/{event.slug}/")  # warm up (session, caches)
    with django_assert_num_queries(8) as small:
        assert client.get(f"/events/{event.slug}/").status_code == 200
    add_abstracts(30)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(f"/events/{event.slug}/").status_code == 200


@pytest.mark.django_db
def test_health_reports_database_cache_and_broker(client):
    body = client.get("/health/").json()

    assert body["ok"] is True
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "cache": True,
        "broker": True,
    }
