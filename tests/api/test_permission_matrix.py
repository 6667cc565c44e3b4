"""Every endpoint and method, for anyone, a submitter, a reviewer, the event's organiser and another
event's organiser: 404 for what one may not know exists, 403 for what one sees but may not change,
401 for writes without signing in."""

import pytest

from tests.api.conftest import ROLES

pytestmark = pytest.mark.django_db

A, S, R, O, X = ROLES  # noqa: E741 - anonymous, submitter, reviewer, organiser, other organiser

MINIMAL_DRAFT = {"event": "open-meeting", "title": "A new draft"}

# (method, address, body, {role: status}); addresses name objects of the world fixture.
MATRIX = [
    ("get", "/events/", None, dict.fromkeys(ROLES, 200)),
    ("get", "/events/open-meeting/", None, dict.fromkeys(ROLES, 200)),
    ("get", "/events/hidden-meeting/", None, {A: 404, S: 404, R: 404, O: 404, X: 200}),
    ("post", "/events/open-meeting/", {}, {A: 401, S: 405, R: 405, O: 405, X: 405}),
    ("post", "/events/open-meeting/number-codes/", {}, {A: 401, S: 403, R: 403, O: 200, X: 403}),
    ("post", "/events/hidden-meeting/number-codes/", {}, {A: 401, S: 404, R: 404, O: 404, X: 200}),
    ("get", "/sessions/", None, dict.fromkeys(ROLES, 200)),
    ("get", "/sessions/{session}/", None, dict.fromkeys(ROLES, 200)),
    ("post", "/sessions/", {}, {A: 401, S: 405, R: 405, O: 405, X: 405}),
    ("get", "/abstracts/", None, dict.fromkeys(ROLES, 200)),
    ("get", "/abstracts/{accepted}/", None, dict.fromkeys(ROLES, 200)),
    ("get", "/abstracts/{submitted}/", None, {A: 404, S: 200, R: 404, O: 200, X: 404}),
    ("get", "/abstracts/{draft}/", None, {A: 404, S: 200, R: 404, O: 200, X: 404}),
    ("get", "/abstracts/{other_submitted}/", None, {A: 404, S: 404, R: 404, O: 404, X: 200}),
    ("post", "/abstracts/", MINIMAL_DRAFT, {A: 401, S: 201, R: 201, O: 201, X: 201}),
    ("patch", "/abstracts/{draft}/", {"title": "Renamed"}, {A: 401, S: 200, R: 404, O: 403, X: 404}),
    ("put", "/abstracts/{draft}/", MINIMAL_DRAFT, {A: 401, S: 200, R: 404, O: 403, X: 404}),
    ("patch", "/abstracts/{accepted}/", {"title": "Renamed"}, {A: 401, S: 400, R: 403, O: 403, X: 403}),
    ("patch", "/abstracts/{someone_elses}/", {"title": "Mine"}, {A: 401, S: 404, R: 403, O: 403, X: 404}),
    ("delete", "/abstracts/{draft}/", None, {A: 401, S: 405, R: 405, O: 405, X: 405}),
    ("post", "/abstracts/{submitted}/submit/", None, {A: 401, S: 200, R: 404, O: 403, X: 404}),
    ("post", "/abstracts/{submitted}/withdraw/", None, {A: 401, S: 200, R: 404, O: 403, X: 404}),
    ("post", "/abstracts/{accepted}/withdraw/", None, {A: 401, S: 200, R: 403, O: 403, X: 403}),
    (
        "post",
        "/abstracts/{submitted}/decide/",
        {"status": "accepted"},
        {A: 401, S: 403, R: 404, O: 200, X: 404},
    ),
    (
        "post",
        "/abstracts/{accepted}/decide/",
        {"status": "rejected"},
        {A: 401, S: 403, R: 403, O: 200, X: 403},
    ),
    (
        "post",
        "/abstracts/{other_submitted}/decide/",
        {"status": "accepted"},
        {A: 401, S: 404, R: 404, O: 404, X: 200},
    ),
    ("post", "/abstracts/{submitted}/place/", {"session": None}, {A: 401, S: 403, R: 404, O: 200, X: 404}),
    ("post", "/abstracts/{accepted}/move/", {"step": 1}, {A: 401, S: 403, R: 403, O: 200, X: 403}),
    ("post", "/abstracts/{accepted}/code/", {"code": "PS9"}, {A: 401, S: 403, R: 403, O: 200, X: 403}),
    ("get", "/abstracts/{someone_elses}/", None, {A: 404, S: 404, R: 200, O: 200, X: 404}),
    ("get", "/review-assignments/", None, dict.fromkeys(ROLES, 200)),
    ("get", "/review-assignments/{assignment}/", None, {A: 404, S: 404, R: 200, O: 200, X: 404}),
    (
        "post",
        "/review-assignments/{assignment}/review/",
        {"score": 3, "recommendation": "accept", "comment": "Sound."},
        {A: 401, S: 404, R: 200, O: 403, X: 404},
    ),
    ("get", "/reviews/", None, dict.fromkeys(ROLES, 200)),
    ("get", "/reviews/{review}/", None, {A: 404, S: 404, R: 200, O: 200, X: 404}),
    ("post", "/reviews/", {}, {A: 401, S: 405, R: 405, O: 405, X: 405}),
    ("get", "/people/", None, dict.fromkeys(ROLES, 200)),
    ("get", "/people/{accepted_author}/", None, dict.fromkeys(ROLES, 200)),
    ("get", "/people/{other_author}/", None, {A: 404, S: 404, R: 404, O: 404, X: 200}),
    ("get", "/affiliations/", None, dict.fromkeys(ROLES, 200)),
    ("get", "/affiliations/{other_affiliation}/", None, {A: 404, S: 404, R: 404, O: 404, X: 200}),
    ("get", "/keywords/", None, dict.fromkeys(ROLES, 200)),
    ("get", "/keywords/{other_keyword}/", None, {A: 404, S: 404, R: 404, O: 404, X: 200}),
    ("post", "/keywords/", {"label": "x"}, {A: 401, S: 405, R: 405, O: 405, X: 405}),
    ("get", "/events/open-meeting/author-index/", None, dict.fromkeys(ROLES, 200)),
    ("get", "/events/hidden-meeting/author-index/", None, {A: 404, S: 404, R: 404, O: 404, X: 200}),
    ("get", "/events/open-meeting/keyword-index/", None, dict.fromkeys(ROLES, 200)),
    ("get", "/events/hidden-meeting/keyword-index/", None, {A: 404, S: 404, R: 404, O: 404, X: 200}),
    ("get", "/book-builds/", None, dict.fromkeys(ROLES, 200)),
    ("get", "/book-builds/{failed_build}/", None, {A: 404, S: 404, R: 404, O: 200, X: 404}),
    ("get", "/book-builds/{failed_build}/pdf/", None, dict.fromkeys(ROLES, 404)),
    ("post", "/book-builds/", {"event": "open-meeting"}, {A: 401, S: 403, R: 403, O: 202, X: 403}),
    ("post", "/book-builds/", {"event": "hidden-meeting"}, {A: 401, S: 404, R: 404, O: 404, X: 202}),
]

# What the API only reads: every other method is refused alike, before anything is looked up.
READ_ONLY = [
    "/events/open-meeting/",
    "/sessions/{session}/",
    "/people/{accepted_author}/",
    "/affiliations/{other_affiliation}/",
    "/keywords/{other_keyword}/",
    "/review-assignments/{assignment}/",
    "/reviews/{review}/",
    "/book-builds/{failed_build}/",
    "/events/open-meeting/author-index/",
    "/events/open-meeting/keyword-index/",
]
MATRIX += [
    (method, template, {}, {A: 401, S: 405, R: 405, O: 405, X: 405})
    for template in READ_ONLY
    for method in ("put", "patch", "delete")
]


def address(template: str, world) -> str:
    accepted_author = world.accepted.authorships.first().person_id
    other_authorship = world.other_submitted.authorships.first()
    return "/api/v1" + template.format(
        session=world.event.sessions.first().pk,
        accepted=world.accepted.pk,
        submitted=world.submitted.pk,
        draft=world.draft.pk,
        someone_elses=world.someone_elses.pk,
        other_submitted=world.other_submitted.pk,
        accepted_author=accepted_author,
        other_author=other_authorship.person_id,
        other_affiliation=other_authorship.affiliation_links.first().affiliation_id,
        other_keyword=world.other_submitted.keyword_links.first().keyword_id,
        failed_build=world.failed_build.pk,
        assignment=world.assignment.pk,
        review=world.review().pk,
    )


CASES = [
    pytest.param(method, template, body, role, expected, id=f"{method.upper()} {template} as {role}")
    for method, template, body, statuses in MATRIX
    for role, expected in statuses.items()
]


@pytest.mark.parametrize(("method", "template", "body", "role", "expected"), CASES)
def test_permission_matrix(client, world, method, template, body, role, expected):
    world.login(client, role)
    url = address(template, world)
    response = (
        getattr(client, method)(url, body, format="json")
        if body is not None
        else getattr(client, method)(url)
    )
    assert response.status_code == expected, (response.status_code, response.content[:300])
    if expected >= 400:
        error = response.json()["error"]
        assert error["code"] and error["message"]


def test_the_matrix_covers_every_route(world):
    """A new endpoint without a row in the matrix fails here."""
    from django.urls import get_resolver, resolve

    routes = {name for name in get_resolver("conference.api_urls").reverse_dict if isinstance(name, str)}
    covered = {resolve(address(template, world)).url_name for _method, template, _body, _statuses in MATRIX}
    assert routes - covered == set()
