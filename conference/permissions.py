"""Who may do what in an event. Roles are per event (``EventRole``); a superuser organises every event."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from conference.models import Event, EventRole
from conference.selectors import event_visible_to


def is_organiser(user, event: Event) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return EventRole.objects.filter(event=event, user=user, role=EventRole.Role.ORGANISER).exists()


class LoginRequired(Exception):
    """Raised for anonymous users on organisers' pages; views answer with a redirect to log in."""


def organised_event(request: HttpRequest, slug: str) -> Event:
    """The event if the user organises it; 403 for other signed-in users, 404 if it is hidden from them."""
    if not request.user.is_authenticated:
        raise LoginRequired
    event = event_visible_to(request.user, slug)
    if not is_organiser(request.user, event):
        raise PermissionDenied("Only the organisers of this event can open this page.")
    return event


def login_redirect(request: HttpRequest):
    return redirect_to_login(request.get_full_path())


def organiser_required(view):
    """For views of one event (``slug`` in the URL): anonymous users log in, others get 403."""

    @wraps(view)
    def checked(request: HttpRequest, *args, slug: str, **kwargs):
        try:
            organised_event(request, slug)
        except LoginRequired:
            return login_redirect(request)
        return view(request, *args, slug=slug, **kwargs)

    return checked
