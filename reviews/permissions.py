"""Who may review in an event: users with the event's reviewer role (``EventRole``), and no one else.

Superusers and organisers do not review by virtue of their role; they are given the reviewer role
like everyone else if they should.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from conference.models import Event, EventRole
from conference.permissions import LoginRequired
from conference.selectors import event_visible_to


def is_reviewer(user, event: Event) -> bool:
    if not user.is_authenticated:
        return False
    return EventRole.objects.filter(event=event, user=user, role=EventRole.Role.REVIEWER).exists()


def reviewed_event(request: HttpRequest, slug: str) -> Event:
    """The event if the user reviews for it; 403 for other signed-in users, 404 if it is hidden from them."""
    if not request.user.is_authenticated:
        raise LoginRequired
    event = event_visible_to(request.user, slug)
    if not is_reviewer(request.user, event):
        raise PermissionDenied("Only the reviewers of this event can open this page.")
    return event
