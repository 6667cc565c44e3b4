from django.db.models import Count, Q, QuerySet

from conference.models import Event


def events_visible_to(user) -> QuerySet[Event]:
    events = Event.objects.all() if user.is_staff else Event.objects.filter(is_published=True)
    return events.annotate(
        accepted_count=Count("abstracts", filter=Q(abstracts__status="accepted"))
    ).order_by("-start_date", "name")
