"""Review figures for organisers: the board's columns, filters and sort, its queries, the reviewer
assignment page and the reviewers of one abstract on its organisers' page."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abstracts.models import Affiliation
from reviews.models import ReviewAssignment
from tests.factories import make_abstract, make_event, make_person, submitted_event
from tests.reviews.helpers import assign, make_organiser, make_reviewer, review

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return make_event(is_published=True)


@pytest.fixture
def reviewers(event):
    return [make_reviewer(event, f"rev{n}@example.org") for n in range(3)]


@pytest.fixture
def scored(event, reviewers):
    """Four abstracts: two reviewed fully (means 4.67 and 2), one partly, one not at all."""
    high = make_abstract(event, status="submitted", title="High", keywords=["Imaging", "Imaging methods"])
    low = make_abstract(event, status="submitted", title="Low")
    partly = make_abstract(event, status="submitted", title="Partly")
    untouched = make_abstract(event, status="submitted", title="Untouched")
    for abstract in (high, low, partly):
        for reviewer in reviewers:
            assign(abstract, reviewer)
    for reviewer, score in zip(reviewers, (5, 5, 4), strict=True):
        review(high, reviewer, score)
    for reviewer, score in zip(reviewers, (1, 2, 3), strict=True):
        review(low, reviewer, score)
    review(partly, reviewers[0], 3)
    return {"high": high, "low": low, "partly": partly, "untouched": untouched}


def titles(client, event, query: str = "") -> list[str]:
    page = client.get(f"/events/{event.slug}/board/{query}").content.decode()
    return re.findall(r'class="board-title">([^<]+)</label>', page)


def row_of(page: str, title: str) -> str:
    start = page.index(f'class="board-title">{title}<')
    return page[page.rindex("<tr", 0, start) : page.index("</tr>", start)]


def test_the_board_shows_mean_spread_and_reviews_done_of_assigned(client, event, scored):
    client.force_login(make_organiser(event))

    page = client.get(f"/events/{event.slug}/board/?keyword=imaging").content.decode()
    high = row_of(page, "High")

    # The keyword filter joins two matching keywords: the figures must not count them twice.
    assert 'class="board-figure board-mean">4.67<' in high
    assert (
        'class="board-figure board-spread">1 <span class="muted" title="standard deviation">σ 0.47</span>'
        in high
    )
    assert 'class="board-figure board-reviews">3/3<' in high
    page = client.get(f"/events/{event.slug}/board/").content.decode()
    assert 'class="board-figure board-mean">–<' in row_of(page, "Untouched")
    assert 'class="board-figure board-reviews">0/0<' in row_of(page, "Untouched")
    assert 'class="board-figure board-reviews">1/3<' in row_of(page, "Partly")


def test_the_board_filters_by_mean_score_and_review_progress(client, event, scored):
    client.force_login(make_organiser(event))

    assert titles(client, event, "?score_min=4") == ["High"]
    assert sorted(titles(client, event, "?score_min=2&score_max=3,5")) == ["Low", "Partly"]
    assert titles(client, event, "?progress=none") == ["Untouched"]
    assert titles(client, event, "?progress=partly") == ["Partly"]
    assert sorted(titles(client, event, "?progress=all")) == ["High", "Low"]
    assert titles(client, event, "?progress=unassigned") == ["Untouched"]


def test_the_board_sorts_by_mean_score_highest_first_unreviewed_last(client, event, scored):
    client.force_login(make_organiser(event))

    assert titles(client, event) == ["High", "Low", "Partly", "Untouched"]  # programme order: by id here
    assert titles(client, event, "?sort=score") == ["High", "Partly", "Low", "Untouched"]


def test_a_mistyped_score_filter_is_named_and_left_out(client, event, scored):
    client.force_login(make_organiser(event))

    response = client.get(f"/events/{event.slug}/board/?score_min=lots&score_max=nan")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Mean score from: “lots” is not a number, so it was left out." in page
    assert "Mean score to: “nan” is not a number, so it was left out." in page
    assert len(re.findall(r'class="board-title"', page)) == 4


def test_the_board_takes_as_many_queries_for_60_reviewed_abstracts_as_for_10(client, event, reviewers):
    client.force_login(make_organiser(event))

    def add_reviewed(count: int) -> None:
        affiliation = Affiliation.objects.get_or_create(event=event, name="DESY")[0]
        for n in range(count):
            abstract = make_abstract(
                event, status="submitted", authors=[(make_person(event), [affiliation])], keywords=["Imaging"]
            )
            for reviewer in reviewers[: 1 + n % 3]:
                assign(abstract, reviewer)
                review(abstract, reviewer, 1 + n % 5)

    def count_queries(query: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/events/{event.slug}/board/{query}").status_code == 200
        return len(queries.captured_queries)

    add_reviewed(10)
    client.get(f"/events/{event.slug}/board/")  # warm up the session
    small = [count_queries(query) for query in ("", "?sort=score&progress=all&score_min=2&keyword=imag")]
    add_reviewed(50)
    large = [count_queries(query) for query in ("", "?sort=score&progress=all&score_min=2&keyword=imag")]

    assert small == large
    assert len(titles(client, event)) == 60


def test_organisers_assign_in_bulk_and_see_each_reviewers_load(client, event, reviewers):
    client.force_login(make_organiser(event))
    abstracts = [make_abstract(event, status="submitted", title=f"Poster {n}") for n in range(4)]
    url = f"/events/{event.slug}/board/reviewers/"

    response = client.post(
        url, {"action": "balanced", "balanced-per_abstract": "2", "balanced-scope": "short"}, follow=True
    )

    page = response.content.decode()
    assert "8 reviews assigned to 4 abstracts." in page
    loads = re.findall(
        r'<tr class="reviewer-load"><th scope="row">([^<]+)</th><td class="number">(\d+)</td>', page
    )
    assert sorted(int(load) for _, load in loads) == [2, 3, 3]
    assert page.count('class="number review-count">0/2<') == 4

    ticked = client.post(
        url,
        {
            "action": "balanced",
            "balanced-per_abstract": "3",
            "balanced-scope": "ticked",
            "abstract": [abstracts[0].pk],
        },
        follow=True,
    )
    assert "1 review assigned to 1 abstract." in ticked.content.decode()
    assert ReviewAssignment.objects.filter(abstract=abstracts[0]).count() == 3
    assert ReviewAssignment.objects.filter(abstract=abstracts[1]).count() == 2

    wrong = client.post(url, {"action": "balanced", "balanced-per_abstract": "0", "balanced-scope": "short"})
    assert wrong.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in wrong.content.decode()


def test_organisers_assign_one_reviewer_by_hand_and_conflicts_are_named(client, event, reviewers):
    client.force_login(make_organiser(event))
    own = make_abstract(event, status="submitted", title="Rev0’s own", submitter=reviewers[0])
    other = make_abstract(event, status="submitted", title="Another")
    url = f"/events/{event.slug}/board/reviewers/"

    refused = client.post(
        url, {"action": "hand", "hand-reviewer": reviewers[0].pk, "abstract": [own.pk, other.pk]}, follow=True
    )
    done = client.post(
        url, {"action": "hand", "hand-reviewer": reviewers[0].pk, "abstract": [other.pk]}, follow=True
    )

    assert "rev0@example.org submitted “Rev0’s own”" in refused.content.decode()
    assert "rev0@example.org assigned to 1 abstract." in done.content.decode()
    assert list(ReviewAssignment.objects.values_list("abstract_id", "reviewer_id")) == [
        (other.pk, reviewers[0].pk)
    ]


def test_the_organisers_abstract_page_lists_reviewers_reviews_and_figures(client, event, reviewers, scored):
    client.force_login(make_organiser(event))
    url = f"/events/{event.slug}/board/abstracts/{scored['low'].pk}/"

    page = client.get(url).content.decode()

    assert "3 of 3 done" in page
    assert 'class="review-mean">2.00<' in page
    assert '2 <span class="muted">(highest − lowest; standard deviation 0.82)</span>' in page
    for reviewer in reviewers:
        assert reviewer.email in page
    assert page.count("Sound work.") == 3


def test_organisers_add_and_remove_a_reviewer_on_the_abstracts_page(client, event, reviewers):
    organiser = make_organiser(event)
    client.force_login(organiser)
    author = make_person(event, email="REV1@example.org")
    abstract = make_abstract(event, status="submitted", authors=[(author, [])], title="By rev1")
    url = f"/events/{event.slug}/board/abstracts/{abstract.pk}/reviewers/"

    page = client.get(f"/events/{event.slug}/board/abstracts/{abstract.pk}/").content.decode()
    added = client.post(url, {"action": "add", "reviewer": reviewers[0].pk}, follow=True)
    conflict = client.post(url, {"action": "add", "reviewer": reviewers[1].pk}, follow=True)
    removed = client.post(url, {"action": f"remove:{reviewers[0].pk}"}, follow=True)
    nonsense = client.post(url, {"action": "remove:abc"}, follow=True)

    assert (
        f'<option value="{reviewers[1].pk}" disabled>rev1@example.org — conflict: is an author</option>'
        in page
    )
    assert "Reviewer added." in added.content.decode()
    assert "rev1@example.org is an author of “By rev1”" in conflict.content.decode()
    assert "Reviewer removed." in removed.content.decode()
    assert "Unknown action." in nonsense.content.decode()
    assert not ReviewAssignment.objects.exists()
    history = removed.content.decode()
    assert "Reviewer unassigned: rev0@example.org" in history
    assert "Reviewer assigned (by hand): rev0@example.org" in history


def test_the_reviewer_assignment_page_reads_in_a_constant_number_of_queries(client):
    event = submitted_event(count=5)
    for n in range(3):
        make_reviewer(event, f"rev{n}@example.org")
    client.force_login(make_organiser(event))
    url = f"/events/{event.slug}/board/reviewers/"
    client.post(url, {"action": "balanced", "balanced-per_abstract": "2", "balanced-scope": "short"})

    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _ in range(20):
        make_abstract(event, status="submitted")
    client.post(url, {"action": "balanced", "balanced-per_abstract": "2", "balanced-scope": "short"})
    with CaptureQueriesContext(connection) as large:
        page = client.get(url).content.decode()

    assert len(small.captured_queries) == len(large.captured_queries)
    assert page.count('class="number review-count">0/2<') == 25
