from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from conference.models import Event


def events_visible_to(user) -> QuerySet[Event]:
    """Published events, and the unpublished ones the user has a role in (a superuser: all)."""
    if user.is_superuser:
        events = Event.objects.all()
    elif user.is_authenticated:
        events = Event.objects.filter(Q(is_published=True) | Q(roles__user=user)).distinct()
    else:
        events = Event.objects.filter(is_published=True)
    return events.annotate(
        accepted_count=Count("abstracts", filter=Q(abstracts__status="accepted"))
    ).order_by("-start_date", "name")


def event_visible_to(user, slug: str) -> Event:
    """The event, or 404 if it does not exist or is unpublished and the user has no role in it."""
    event = get_object_or_404(Event, slug=slug)
    if not event.is_published and not user.is_superuser and not _has_role(user, event):
        raise Http404("No such event.")
    return event


def _has_role(user, event: Event) -> bool:
    return user.is_authenticated and event.roles.filter(user=user).exists()
