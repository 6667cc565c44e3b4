"""One world for the access tests: a published event, an unpublished one and another organiser's, with
a person in every role, abstracts in every state, a review and a built book.

Built through the services (``tests.api.conftest`` shapes the submissions), so what the pages and the
API see is what real use leaves behind.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from abstracts.models import Abstract
from abstracts.services import abstract_save
from abstracts.submission import AuthorEntry
from books.models import BookBuild
from conference.models import Event, EventRole
from programme.services import abstracts_decide, poster_code_set
from reviews.models import Review, ReviewAssignment
from reviews.services import review_submit
from tests.api.conftest import content, make_user
from tests.factories import make_event, make_session

# Who asks, in the order of the expected tables' columns.
ROLES = (
    "anonymous",
    "owner",  # submitted the abstracts below
    "other_submitter",  # submitted one abstract of the same event
    "reviewer",  # reviewer of both events, assigned to the owner's submitted abstract
    "unassigned_reviewer",  # reviewer of both events, assigned nothing
    "organiser",  # organises the published and the unpublished event
    "other_organiser",  # organises another event only
    "staff",  # staff status, no role anywhere
    "superuser",
)
# The e-mail addresses the authors of the published event's abstracts carry (not their accounts').
AUTHOR_EMAILS = ("ada.lovelace@example.org", "grace.hopper@example.org", "rival.author@example.org")
PDF = b"%PDF-1.4\n% a stand-in for a built book\n%%EOF\n"


@dataclass
class World:
    published: Event
    unpublished: Event
    other: Event
    users: dict[str, User]
    draft: Abstract
    submitted: Abstract
    accepted: Abstract
    rival: Abstract  # the other submitter's, submitted
    hidden: Abstract  # the owner's, accepted, in the unpublished event
    elsewhere: Abstract  # in the other organiser's event
    assignment: ReviewAssignment
    review: Review
    build: BookBuild
    hidden_build: BookBuild

    def client_for(self, role: str, **options) -> Client:
        client = Client(**options)
        if role != "anonymous":
            client.force_login(self.users[role])
        return client


def _authors(*emails: str) -> tuple[AuthorEntry, ...]:
    first, second = emails
    return (
        AuthorEntry(
            first_name="Ada",
            last_name="Lovelace",
            email=first,
            affiliations=("Forschungszentrum Jülich", "RWTH Aachen"),
            is_presenting=True,
        ),
        AuthorEntry(first_name="Grace", last_name="Hopper", email=second, affiliations=("RWTH Aachen",)),
    )


def _built_book(event: Event) -> BookBuild:
    now = timezone.now()
    build = BookBuild(
        event=event,
        status=BookBuild.Status.SUCCEEDED,
        revision=event.revision,
        pages=1,
        started_at=now,
        finished_at=now,
    )
    build.pdf.save(f"{event.slug}-access.pdf", ContentFile(PDF), save=False)
    build.save()
    return build


def build_world() -> World:
    now = timezone.now()
    call = {"call_opens_at": now - timedelta(days=1), "call_deadline": now + timedelta(days=30)}
    published = make_event(name="Published Meeting", slug="published-meeting", is_published=True, **call)
    unpublished = make_event(
        name="Unpublished Meeting", slug="unpublished-meeting", is_published=False, **call
    )
    other = make_event(name="Other Meeting", slug="other-meeting", is_published=True, **call)
    session = make_session(published, "Biology", 1)
    hidden_session = make_session(unpublished, "Hidden Biology", 1)
    other_session = make_session(other, "Chemistry", 1)

    users = {
        role: make_user(f"{role.replace('_', '.')}@example.org") for role in ROLES if role != "anonymous"
    }
    User.objects.filter(pk=users["staff"].pk).update(is_staff=True)
    User.objects.filter(pk=users["superuser"].pk).update(is_staff=True, is_superuser=True)
    for user in users.values():
        user.refresh_from_db()
    for event in (published, unpublished):
        EventRole.objects.create(event=event, user=users["organiser"], role="organiser")
        EventRole.objects.create(event=event, user=users["reviewer"], role="reviewer")
        EventRole.objects.create(event=event, user=users["unassigned_reviewer"], role="reviewer")
    EventRole.objects.create(event=other, user=users["other_organiser"], role="organiser")

    def save(title, submitter, *, event=published, session_=session, submit=True, emails=AUTHOR_EMAILS[:2]):
        submission = content(title, session_id=session_.pk, authors=_authors(*emails))
        return abstract_save(event=event, submitter=submitter, content=submission, submit=submit)

    owner = users["owner"]
    draft = save("The owner's draft", owner, submit=False)
    submitted = save("The owner's submitted work", owner)
    accepted = save("The owner's accepted work", owner)
    abstracts_decide(event=published, abstract_ids=[accepted.pk], status="accepted")
    poster_code_set(event=published, abstract_id=accepted.pk, code="PS1")
    rival = save("The rival's work", users["other_submitter"], emails=(AUTHOR_EMAILS[2], AUTHOR_EMAILS[1]))
    hidden = save("Hidden work", owner, event=unpublished, session_=hidden_session)
    abstracts_decide(event=unpublished, abstract_ids=[hidden.pk], status="accepted")
    elsewhere = save("Work of another meeting", users["other_submitter"], event=other, session_=other_session)

    assignment = ReviewAssignment.objects.create(abstract=submitted, reviewer=users["reviewer"])
    ReviewAssignment.objects.create(abstract=hidden, reviewer=users["reviewer"])
    review = review_submit(
        event=published,
        abstract_id=submitted.pk,
        reviewer=users["reviewer"],
        score=4,
        comment="Clear and new.",
        recommendation="accept",
    )
    for event in (published, unpublished):
        event.refresh_from_db()
    build, hidden_build = _built_book(published), _built_book(unpublished)
    for abstract in (draft, submitted, accepted, rival, hidden, elsewhere):
        abstract.refresh_from_db()
    return World(
        published=published,
        unpublished=unpublished,
        other=other,
        users=users,
        draft=draft,
        submitted=submitted,
        accepted=accepted,
        rival=rival,
        hidden=hidden,
        elsewhere=elsewhere,
        assignment=assignment,
        review=review,
        build=build,
        hidden_build=hidden_build,
    )
