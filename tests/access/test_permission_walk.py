"""Every URL pattern, as everyone: who gets what, from one explicit table.

The columns are the roles of ``tests/access/world.py``; a cell is the status code, or ``login`` for a
redirect to the log-in page. Every request runs in a transaction that is rolled back, so each one
sees the same world. A URL pattern missing from the table fails ``test_every_url_pattern_is_in_the_table``:
a new view must be classified here. The admin is sampled (its per-event scope has its own tests in
tests/conference/test_admin_permissions.py); API writes by method are in tests/api/test_permission_matrix.py.

    anonymous · owner · other submitter · reviewer (assigned) · reviewer (not assigned) ·
    organiser of the event · organiser of another event · staff without a role · superuser
"""

from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access.world import ROLES, World, build_world

pytestmark = pytest.mark.django_db

#         A   O   S   R   U   E   X   T   Z
EVERYONE = "200 200 200 200 200 200 200 200 200"
ROLE_HOLDERS = "404 404 404 200 200 200 404 404 200"  # an unpublished event: people with a role in it
ORGANISERS = "login 403 403 403 403 200 403 403 200"  # an organisers' page of the event
HIDDEN_ORGANISERS = "login 404 404 403 403 200 404 404 200"  # the same page of the unpublished event
REVIEWERS = "login 403 403 200 200 403 403 403 403"  # a reviewers' page: the role, not rank, opens it
SIGNED_IN = "login 200 200 200 200 200 200 200 200"
ORGANISERS_POST = "login 403 403 403 403 302 403 403 302"  # an organisers' action (back to its page)
# What an abstract of the unpublished event shows (its people, affiliations, keywords): its submitter,
# the reviewer assigned to it, the organisers.
HIDDEN_ABSTRACT_READERS = "404 200 404 200 404 200 404 404 200"


@dataclass(frozen=True)
class Row:
    name: str
    expected: str
    params: dict[str, str] = field(default_factory=dict)
    method: str = "get"
    label: str = ""


def value(world: World, name: str):
    """A URL parameter: an event's slug, or the id of an object of the world."""
    if name in ("published", "unpublished", "other"):
        return getattr(world, name).slug
    first_author = world.accepted.authorships.order_by("position").first()
    special = {
        "accepted_author": lambda: first_author.person_id,
        "hidden_author": lambda: world.hidden.authorships.first().person_id,
        "accepted_affiliation": lambda: first_author.affiliation_links.first().affiliation_id,
        "hidden_affiliation": lambda: (
            world.hidden.authorships.first().affiliation_links.first().affiliation_id
        ),
        "accepted_keyword": lambda: world.accepted.keyword_links.first().keyword_id,
        "hidden_keyword": lambda: world.hidden.keyword_links.first().keyword_id,
        "session": lambda: world.published.sessions.first().pk,
        "hidden_session": lambda: world.unpublished.sessions.first().pk,
        "bogus": lambda: "x",
    }
    if name in special:
        return special[name]()
    return getattr(world, name).pk


ROWS = [
    # --- public pages ---------------------------------------------------------------------------
    Row("home", EVERYONE),
    Row("health", EVERYONE),
    Row("conference:event_detail", EVERYONE, {"slug": "published"}),
    Row("conference:event_detail", ROLE_HOLDERS, {"slug": "unpublished"}),
    Row("indexes:authors", EVERYONE, {"slug": "published"}),
    Row("indexes:authors", ROLE_HOLDERS, {"slug": "unpublished"}),
    Row("indexes:keywords", EVERYONE, {"slug": "published"}),
    Row("indexes:keywords", ROLE_HOLDERS, {"slug": "unpublished"}),
    Row("books:pdf", EVERYONE, {"slug": "published"}),
    Row("books:pdf", ROLE_HOLDERS, {"slug": "unpublished"}),
    Row("books:html", EVERYONE, {"slug": "published"}),
    Row("books:html", ROLE_HOLDERS, {"slug": "unpublished"}),
    Row("api_docs:schema", EVERYONE),
    Row("api_docs:docs", EVERYONE),
    # --- abstracts: the public see accepted ones of published events; the owner and organisers more -
    Row("abstracts:abstract_detail", EVERYONE, {"slug": "published", "pk": "accepted"}, label="accepted"),
    Row(
        "abstracts:abstract_detail",
        "404 200 404 404 404 200 404 404 200",
        {"slug": "published", "pk": "submitted"},
        label="submitted",
    ),
    Row(
        "abstracts:abstract_detail",
        "404 200 404 404 404 200 404 404 200",
        {"slug": "published", "pk": "draft"},
        label="draft",
    ),
    Row(
        "abstracts:abstract_detail",
        "404 404 200 404 404 200 404 404 200",
        {"slug": "published", "pk": "rival"},
        label="the other submitter's",
    ),
    Row(
        "abstracts:abstract_detail",
        "404 200 404 404 404 200 404 404 200",
        {"slug": "unpublished", "pk": "hidden"},
        label="accepted, unpublished event",
    ),
    Row(
        "abstracts:abstract_detail",
        "404 404 404 404 404 404 404 404 404",
        {"slug": "published", "pk": "elsewhere"},
        label="another event's, under this event's address",
    ),
    Row("abstracts:my_abstracts", SIGNED_IN),
    Row("abstracts:abstract_new", SIGNED_IN, {"slug": "published"}),
    Row("abstracts:abstract_new", "login 404 404 200 200 200 404 404 200", {"slug": "unpublished"}),
    Row("abstracts:abstract_new", "login 400 400 400 400 400 400 400 400", {"slug": "published"}, "post"),
    Row(
        "abstracts:abstract_edit",
        "login 200 404 404 404 404 404 404 404",
        {"slug": "published", "pk": "draft"},
    ),
    Row(
        "abstracts:abstract_edit",
        "login 400 404 404 404 404 404 404 404",
        {"slug": "published", "pk": "draft"},
        "post",
    ),
    Row(
        "abstracts:abstract_edit",
        "login 404 200 404 404 404 404 404 404",
        {"slug": "published", "pk": "rival"},
    ),
    Row(
        "abstracts:abstract_withdraw",
        "login 200 404 404 404 404 404 404 404",
        {"slug": "published", "pk": "submitted"},
    ),
    Row(
        "abstracts:abstract_withdraw",
        "login 302 404 404 404 404 404 404 404",
        {"slug": "published", "pk": "submitted"},
        "post",
    ),
    Row(
        "abstracts:abstract_withdraw",
        "login 404 302 404 404 404 404 404 404",
        {"slug": "published", "pk": "rival"},
        "post",
    ),
    # --- organisers' pages ------------------------------------------------------------------------
    Row("programme:board", ORGANISERS, {"slug": "published"}),
    Row("programme:board", HIDDEN_ORGANISERS, {"slug": "unpublished"}),
    Row("programme:board", ORGANISERS_POST, {"slug": "published"}, "post"),
    Row("programme:abstract_record", ORGANISERS, {"slug": "published", "pk": "submitted"}),
    Row("programme:abstract_record", HIDDEN_ORGANISERS, {"slug": "unpublished", "pk": "hidden"}),
    Row(
        "programme:abstract_record",
        "login 403 403 403 403 404 403 403 404",
        {"slug": "published", "pk": "elsewhere"},
        label="another event's, under this event's address",
    ),
    Row("books:builds", ORGANISERS, {"slug": "published"}),
    Row("books:builds", HIDDEN_ORGANISERS, {"slug": "unpublished"}),
    Row("books:build_status", ORGANISERS, {"slug": "published"}),
    Row("books:build_request", ORGANISERS_POST, {"slug": "published"}, "post"),
    Row("books:build_pdf", ORGANISERS, {"slug": "published", "pk": "build"}),
    Row("books:build_pdf", HIDDEN_ORGANISERS, {"slug": "unpublished", "pk": "hidden_build"}),
    Row("reviews:assign", ORGANISERS, {"slug": "published"}),
    Row("reviews:assign", ORGANISERS_POST, {"slug": "published"}, "post"),
    Row("reviews:abstract_reviewers", ORGANISERS_POST, {"slug": "published", "pk": "submitted"}, "post"),
    Row("decisions:letters", ORGANISERS, {"slug": "published"}),
    Row("decisions:letters", ORGANISERS_POST, {"slug": "published"}, "post"),
    Row("decisions:queue", ORGANISERS_POST, {"slug": "published"}, "post"),
    Row("decisions:release", ORGANISERS, {"slug": "published"}),
    Row("decisions:release", ORGANISERS_POST, {"slug": "published"}, "post"),
    Row("decisions:outbox", ORGANISERS_POST, {"slug": "published"}, "post"),
    Row("cleanup:duplicates", ORGANISERS, {"slug": "published"}),
    Row("cleanup:duplicates", HIDDEN_ORGANISERS, {"slug": "unpublished"}),
    Row("cleanup:duplicates", ORGANISERS_POST, {"slug": "published"}, "post"),
    # --- reviewers' pages -------------------------------------------------------------------------
    Row("reviews:my_reviews", REVIEWERS, {"slug": "published"}),
    Row("reviews:my_reviews", "login 404 404 200 200 403 404 404 403", {"slug": "unpublished"}),
    Row(
        "reviews:review",
        "login 403 403 200 404 403 403 403 403",
        {"slug": "published", "abstract_pk": "submitted"},
        label="assigned",
    ),
    Row(
        "reviews:review",
        "login 403 403 404 404 403 403 403 403",
        {"slug": "published", "abstract_pk": "accepted"},
        label="not assigned",
    ),
    Row(
        "reviews:review",
        "login 403 403 200 404 403 403 403 403",
        {"slug": "published", "abstract_pk": "submitted"},
        "post",
    ),
    # --- accounts ---------------------------------------------------------------------------------
    Row("accounts:signup", "200 302 302 302 302 302 302 302 302"),
    Row("accounts:login", "200 302 302 302 302 302 302 302 302"),
    Row("accounts:logout", "302 302 302 302 302 302 302 302 302", method="post"),
    Row("accounts:password_reset", EVERYONE),
    Row("accounts:password_reset_done", EVERYONE),
    Row("accounts:password_reset_confirm", EVERYONE, {"uidb64": "bogus", "token": "bogus"}),
    Row("accounts:password_reset_complete", EVERYONE),
    Row("accounts:password_change", SIGNED_IN),
    Row("accounts:password_change_done", SIGNED_IN),
    Row("accounts:profile", SIGNED_IN),
    # --- the API (GET; writes by method in tests/api/test_permission_matrix.py) -------------------
    Row("api:event-list", EVERYONE),
    Row("api:event-detail", EVERYONE, {"slug": "published"}),
    Row("api:event-detail", ROLE_HOLDERS, {"slug": "unpublished"}),
    Row("api:event-number-codes", "401 403 403 403 403 200 403 403 200", {"slug": "published"}, "post"),
    Row("api:session-list", EVERYONE),
    Row("api:session-detail", EVERYONE, {"pk": "session"}),
    Row("api:session-detail", ROLE_HOLDERS, {"pk": "hidden_session"}),
    Row("api:abstract-list", EVERYONE),
    Row("api:abstract-detail", EVERYONE, {"pk": "accepted"}),
    Row("api:abstract-detail", "404 200 404 200 404 200 404 404 200", {"pk": "submitted"}),
    Row("api:abstract-detail", "404 200 404 404 404 200 404 404 200", {"pk": "draft"}),
    Row("api:abstract-detail", "404 404 200 404 404 200 404 404 200", {"pk": "rival"}),
    Row("api:abstract-detail", "404 200 404 200 404 200 404 404 200", {"pk": "hidden"}),
    Row("api:abstract-detail", "404 404 200 404 404 404 200 404 200", {"pk": "elsewhere"}),
    Row("api:abstract-submit", "401 200 404 404 404 403 404 404 403", {"pk": "draft"}, "post"),
    Row("api:abstract-withdraw", "401 200 404 403 404 403 404 404 403", {"pk": "submitted"}, "post"),
    Row("api:abstract-decide", "401 403 404 403 404 400 404 404 400", {"pk": "submitted"}, "post"),
    Row("api:abstract-place", "401 403 404 403 404 400 404 404 400", {"pk": "submitted"}, "post"),
    Row("api:abstract-move", "401 403 403 403 403 400 403 403 400", {"pk": "accepted"}, "post"),
    Row("api:abstract-code", "401 403 403 403 403 400 403 403 400", {"pk": "accepted"}, "post"),
    Row("api:person-list", EVERYONE),
    Row("api:person-detail", EVERYONE, {"pk": "accepted_author"}),
    Row("api:person-detail", HIDDEN_ABSTRACT_READERS, {"pk": "hidden_author"}),
    Row("api:affiliation-list", EVERYONE),
    Row("api:affiliation-detail", EVERYONE, {"pk": "accepted_affiliation"}),
    Row("api:affiliation-detail", HIDDEN_ABSTRACT_READERS, {"pk": "hidden_affiliation"}),
    Row("api:keyword-list", EVERYONE),
    Row("api:keyword-detail", EVERYONE, {"pk": "accepted_keyword"}),
    Row("api:keyword-detail", HIDDEN_ABSTRACT_READERS, {"pk": "hidden_keyword"}),
    Row("api:author-index", EVERYONE, {"slug": "published"}),
    Row("api:author-index", ROLE_HOLDERS, {"slug": "unpublished"}),
    Row("api:keyword-index", EVERYONE, {"slug": "published"}),
    Row("api:keyword-index", ROLE_HOLDERS, {"slug": "unpublished"}),
    Row("api:book-build-list", EVERYONE),
    # A good build is public with its event (failed ones are the organisers': tests/api).
    Row("api:book-build-detail", EVERYONE, {"pk": "build"}),
    Row("api:book-build-detail", ROLE_HOLDERS, {"pk": "hidden_build"}),
    Row("api:book-build-pdf", EVERYONE, {"pk": "build"}),
    Row("api:book-build-pdf", ROLE_HOLDERS, {"pk": "hidden_build"}),
    Row("api:review-assignment-list", EVERYONE),
    Row("api:review-assignment-detail", "404 404 404 200 404 200 404 404 200", {"pk": "assignment"}),
    Row("api:review-assignment-review", "401 404 404 400 404 403 404 404 403", {"pk": "assignment"}, "post"),
    Row("api:review-list", EVERYONE),
    Row("api:review-detail", "404 404 404 200 404 200 404 404 200", {"pk": "review"}),
    # --- the admin, sampled -----------------------------------------------------------------------
    Row("admin:index", "login login login login login login login 200 200"),
    Row("admin:abstracts_abstract_changelist", "login login login login login login login 403 200"),
    Row(
        "admin:abstracts_abstract_change",
        "login login login login login login login 403 200",
        {"object_id": "accepted"},
    ),
    Row(
        "admin:conference_event_change",
        "login login login login login login login 403 200",
        {"object_id": "unpublished"},
    ),
]

SAMPLED_NAMESPACES = ("admin",)


def url_names(patterns, namespace: str = "") -> set[str]:
    """The names of every URL pattern, with their namespaces, walked recursively."""
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = (
                f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
            )
            names |= url_names(pattern.url_patterns, inner or namespace)
        elif isinstance(pattern, URLPattern):
            names.add(f"{namespace}:{pattern.name}" if namespace else str(pattern.name))
    return names


def test_every_url_pattern_is_in_the_table():
    names = {
        name for name in url_names(get_resolver().url_patterns) if not name.startswith(SAMPLED_NAMESPACES)
    }
    classified = {row.name for row in ROWS}

    assert "None" not in names, "every URL pattern needs a name to be classified"
    assert sorted(names - classified) == [], "classify these views in ROWS"
    assert sorted(classified - names - {row.name for row in ROWS if row.name.startswith("admin:")}) == []


def status_of(response) -> str:
    if response.status_code == 302 and "/login/" in response["Location"]:
        return "login"
    return str(response.status_code)


def answers(world: World, row: Row) -> str:
    """The row's answers for every role, as the table writes them."""
    kwargs = {
        # The admin names every object by its id, events too.
        name: getattr(world, source).pk if name == "object_id" else value(world, source)
        for name, source in row.params.items()
    }
    url = reverse(row.name, kwargs=kwargs)
    cells = []
    for role in ROLES:
        client = world.client_for(role)
        # The API takes JSON only; an empty object is enough to get past the permission checks.
        body = {"data": {}, "content_type": "application/json"} if url.startswith("/api/v1/") else {}
        with transaction.atomic():
            response = getattr(client, row.method)(url, **body) if row.method == "post" else client.get(url)
            transaction.set_rollback(True)
        cells.append(status_of(response))
    return " ".join(cells)


NAMES = sorted({row.name for row in ROWS})


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    """Built once for the module in a transaction rolled back at its end; each request is rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.mark.parametrize("name", NAMES)
def test_who_gets_what(world, name):
    rows = [row for row in ROWS if row.name == name]

    actual = {f"{row.method.upper()} {row.label or row.params}": answers(world, row) for row in rows}
    expected = {f"{row.method.upper()} {row.label or row.params}": row.expected for row in rows}

    assert actual == expected
