"""The public author and keyword index pages, through HTTP."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone

from abstracts.models import Abstract, AbstractKeyword, Keyword
from conference.models import Event, EventRole
from indexes.models import IndexState
from indexes.services import index_rebuild
from tests.factories import make_abstract, make_event, make_person

HEADING = re.compile(r'<h2 id="letter-([^"]*)" class="index-letter-heading">([^<]*)</h2>')
NAV_LINK = re.compile(r'<a href="#letter-([^"]*)">')
ENTRY = re.compile(
    r'<li class="index-entry"><span class="index-label">([^<]*)</span> '
    r'<span class="index-refs">(.*?)</span></li>'
)
REF = re.compile(r'<a href="([^"]*)" title="([^"]*)">([^<]*)</a>')


def headings(html: str) -> list[str]:
    found = HEADING.findall(html)
    assert all(anchor == text for anchor, text in found)
    return [text for _, text in found]


def entries(html: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(label, [(href, code), …]) for every entry, in page order."""
    return [
        (label, [(href, code) for href, _, code in REF.findall(refs)]) for label, refs in ENTRY.findall(html)
    ]


def abstract_url(abstract: Abstract) -> str:
    return f"/events/{abstract.event.slug}/abstracts/{abstract.pk}/"


@pytest.fixture
def staff_client(client):
    # A superuser organises every event, so this client sees the organisers' view of each.
    staff = get_user_model().objects.create_superuser("organiser", password="x")
    client.force_login(staff)
    return client


@pytest.fixture
def indexed_event(db):
    """A published event with authors and keywords whose indexes have been built."""
    event = make_event(is_published=True, slug="index-meeting")
    zu_castell = make_person(event, first_name="Wolfgang", last_name="zu Castell")
    hrabe = make_person(event, first_name="Martin", last_name="Hrabě de Angelis")
    uckert = make_person(event, first_name="Frank", last_name="Ückert")
    bacak = make_person(event, first_name="Miroslav", last_name="Bačák")
    abstracts = {
        "PS10": make_abstract(
            event, code="PS10", title="Heatwaves", authors=[(zu_castell, [])], keywords=["Ökologie", "Netz"]
        ),
        "PS2": make_abstract(
            event, code="PS2", title="Mice", authors=[(hrabe, []), (zu_castell, [])], keywords=["Physik"]
        ),
        "PS3": make_abstract(
            event, code="PS3", title="Metadata", authors=[(uckert, []), (bacak, [])], keywords=["netz"]
        ),
    }
    make_abstract(
        event,
        code="PS4",
        title="Rejected",
        status=Abstract.Status.REJECTED,
        authors=[(make_person(event, first_name="Otto", last_name="Outside"), [])],
        keywords=["Rejected keyword"],
    )
    index_rebuild(event_id=event.pk, force=True)
    return event, abstracts


@pytest.mark.django_db
def test_author_index_page_lists_people_under_letter_headings_with_links_to_their_abstracts(
    client, indexed_event
):
    event, abstracts = indexed_event

    response = client.get(f"/events/{event.slug}/authors/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Author index</h1>" in html
    assert headings(html) == ["B", "H", "U", "Z"]
    assert NAV_LINK.findall(html) == ["B", "H", "U", "Z"]
    ps2, ps3, ps10 = (abstract_url(abstracts[code]) for code in ["PS2", "PS3", "PS10"])
    assert entries(html) == [
        ("Bačák Miroslav", [(ps3, "PS3")]),
        ("Hrabě de Angelis Martin", [(ps2, "PS2")]),
        ("Ückert Frank", [(ps3, "PS3")]),
        ("zu Castell Wolfgang", [(ps2, "PS2"), (ps10, "PS10")]),
    ]
    assert f'<a href="{ps2}" title="Mice">PS2</a>, <a href="{ps10}" title="Heatwaves">PS10</a>' in html
    assert "Outside" not in html
    assert 'aria-current="page">Author index</a>' in html


@pytest.mark.django_db
def test_keyword_index_page_lists_keywords_in_collation_order_with_links(client, indexed_event):
    event, abstracts = indexed_event

    response = client.get(f"/events/{event.slug}/keywords/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Keyword index</h1>" in html
    assert headings(html) == ["N", "O", "P"]
    ps2, ps3, ps10 = (abstract_url(abstracts[code]) for code in ["PS2", "PS3", "PS10"])
    assert entries(html) == [
        ("Netz", [(ps3, "PS3"), (ps10, "PS10")]),
        ("Ökologie", [(ps10, "PS10")]),
        ("Physik", [(ps2, "PS2")]),
    ]
    assert "Rejected keyword" not in html
    assert 'aria-current="page">Keyword index</a>' in html


@pytest.mark.django_db
def test_the_keyword_page_prints_the_most_common_spelling(client):
    event = make_event(is_published=True)
    keyword = Keyword.objects.create(event=event, label="Deep Learning")
    for n, spelling in enumerate(["Deep learning", "Deep Learning", "Deep learning"], 1):
        abstract = make_abstract(event, code=f"PS{n}")
        AbstractKeyword.objects.create(abstract=abstract, keyword=keyword, position=1, spelling=spelling)
    index_rebuild(event_id=event.pk, force=True)

    html = client.get(f"/events/{event.slug}/keywords/").content.decode()

    assert [label for label, _ in entries(html)] == ["Deep learning"]
    assert [code for _, refs in entries(html) for _, code in refs] == ["PS1", "PS2", "PS3"]


@pytest.mark.django_db
def test_staff_see_that_the_indexes_are_current(staff_client, indexed_event):
    event, _ = indexed_event

    html = staff_client.get(f"/events/{event.slug}/authors/").content.decode()

    assert '<p class="index-state is-current" role="status">' in html
    assert re.search(r"Indexes built .+ from revision 0\s+— current\.", html)
    assert "is-behind" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["authors", "keywords"])
def test_staff_see_that_the_indexes_are_behind_the_event(staff_client, indexed_event, page):
    event, _ = indexed_event
    Event.objects.filter(pk=event.pk).update(revision=F("revision") + 1)

    html = staff_client.get(f"/events/{event.slug}/{page}/").content.decode()

    assert '<p class="index-state is-behind" role="status">' in html
    assert re.search(r"from revision 0\s+— the event is at revision 1; a rebuild will follow\.", html), html
    assert "— current." not in html
    # The entries still show the last index built.
    assert len(entries(html)) == {"authors": 4, "keywords": 3}[page]


@pytest.mark.django_db
def test_staff_see_that_a_rebuild_is_queued_and_then_that_it_caught_up(staff_client, indexed_event):
    event, _ = indexed_event
    Event.objects.filter(pk=event.pk).update(revision=F("revision") + 1)
    IndexState.objects.filter(event=event).update(queued_at=timezone.now() - timedelta(seconds=1))

    html = staff_client.get(f"/events/{event.slug}/authors/").content.decode()
    assert "the event is at revision 1; a rebuild is queued." in html

    index_rebuild(event_id=event.pk)
    html = staff_client.get(f"/events/{event.slug}/authors/").content.decode()
    assert re.search(r"from revision 1\s+— current\.", html)
    assert "is-behind" not in html


@pytest.mark.django_db
def test_staff_see_that_the_indexes_were_never_built(staff_client):
    event = make_event(is_published=True)
    make_abstract(event, authors=[(make_person(event), [])])

    html = staff_client.get(f"/events/{event.slug}/authors/").content.decode()

    assert '<p class="index-state is-behind" role="status">' in html
    assert "The indexes have not been built yet." in html
    assert "Indexes built" not in html


@pytest.mark.django_db
def test_an_index_never_built_does_not_claim_that_nothing_was_accepted(client):
    event = make_event(is_published=True)
    make_abstract(event, authors=[(make_person(event), [])])

    html = client.get(f"/events/{event.slug}/authors/").content.decode()

    assert "The index is empty: no abstracts have been accepted yet." not in html


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["authors", "keywords"])
def test_the_index_state_is_hidden_from_anonymous_visitors(client, indexed_event, page):
    event, _ = indexed_event
    Event.objects.filter(pk=event.pk).update(revision=F("revision") + 1)

    html = client.get(f"/events/{event.slug}/{page}/").content.decode()

    assert "index-state" not in html
    assert "is-behind" not in html
    assert "is-current" not in html
    assert "Indexes built" not in html
    assert "rebuild" not in html
    assert len(entries(html)) == {"authors": 4, "keywords": 3}[page]


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["authors", "keywords"])
def test_the_indexes_of_an_unpublished_event_are_hidden_from_the_public_but_shown_to_staff(client, page):
    event = make_event(is_published=False)
    make_abstract(event, authors=[(make_person(event, first_name="Secret", last_name="Author"), [])])
    index_rebuild(event_id=event.pk, force=True)
    staff = get_user_model().objects.create_user("organiser", password="x")
    EventRole.objects.create(event=event, user=staff, role="organiser")

    assert client.get(f"/events/{event.slug}/{page}/").status_code == 404
    assert client.get(f"/events/no-such-event/{page}/").status_code == 404
    client.force_login(staff)
    assert client.get(f"/events/{event.slug}/{page}/").status_code == 200


@pytest.mark.django_db
def test_a_hostile_name_title_and_keyword_are_escaped(client):
    event = make_event(is_published=True)
    person = make_person(event, first_name='"><img src=x onerror=alert(1)>', last_name="<script>x</script>")
    abstract = make_abstract(
        event, code="PS1", title='" onmouseover="alert(2)', authors=[(person, [])], keywords=["<b>bold</b>"]
    )
    index_rebuild(event_id=event.pk, force=True)

    authors = client.get(f"/events/{event.slug}/authors/").content.decode()
    keywords = client.get(f"/events/{event.slug}/keywords/").content.decode()

    assert (
        '<span class="index-label">&lt;script&gt;x&lt;/script&gt; '
        "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</span>"
    ) in authors
    assert "<script>x</script>" not in authors
    assert "<img" not in authors
    assert f'<a href="{abstract_url(abstract)}" title="&quot; onmouseover=&quot;alert(2)">PS1</a>' in authors
    assert '<span class="index-label">&lt;b&gt;bold&lt;/b&gt;</span>' in keywords
    assert "<b>bold</b>" not in keywords


@pytest.mark.django_db
def test_an_event_with_no_accepted_abstracts_has_an_empty_index(client):
    event = make_event(is_published=True)
    make_abstract(event, status=Abstract.Status.SUBMITTED, authors=[(make_person(event), [])])
    index_rebuild(event_id=event.pk, force=True)

    html = client.get(f"/events/{event.slug}/authors/").content.decode()

    assert "The index is empty: no abstracts have been accepted yet." in html
    assert 'class="printed-index"' not in html
    assert headings(html) == []


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["authors", "keywords"])
def test_index_page_queries_do_not_grow_with_the_number_of_abstracts(client, django_assert_num_queries, page):
    event = make_event(is_published=True)

    def add_abstracts(count):
        for _ in range(count):
            make_abstract(
                event,
                authors=[(make_person(event), []), (make_person(event), [])],
                keywords=[f"Keyword {Abstract.objects.count()}", "Imaging"],
            )
        index_rebuild(event_id=event.pk, force=True)

    add_abstracts(5)
    client.get(f"/events/{event.slug}/{page}/")  # warm up (session, caches)
    with django_assert_num_queries(3) as small:
        assert client.get(f"/events/{event.slug}/{page}/").status_code == 200
    add_abstracts(45)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(f"/events/{event.slug}/{page}/")
    assert response.status_code == 200
    assert len(entries(response.content.decode())) == {"authors": 100, "keywords": 51}[page]
