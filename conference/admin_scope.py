"""The admin, per event: a user sees and changes only the rows of events they organise.

Organisers need "staff status" to log in to the admin, and no model permissions: what they may
touch follows from their ``EventRole``. Superusers see every event. Other staff (reviewers, or
staff without a role) see nothing.
"""

from django.contrib import admin
from django.db.models import Model, QuerySet

from conference.models import Event, EventRole


def organised_event_ids(user) -> QuerySet:
    return EventRole.objects.filter(user=user, role=EventRole.Role.ORGANISER).values("event_id")


def _organises_any(user) -> bool:
    return user.is_active and EventRole.objects.filter(user=user, role=EventRole.Role.ORGANISER).exists()


def event_only(field: str) -> tuple[str, type[admin.RelatedOnlyFieldListFilter]]:
    """A list filter offering only the related rows the user can see (no other event's names)."""
    return (field, admin.RelatedOnlyFieldListFilter)


class EventScopedAdmin:
    """Mix into a ModelAdmin (before it). ``event_path`` is the lookup from the model to its event
    ("" for the Event itself); ``read_only`` admins show the record and change nothing."""

    event_path = "event"
    read_only = False

    def _event_lookup(self, suffix: str) -> str:
        return f"{self.event_path}__{suffix}" if self.event_path else f"pk__{suffix}"

    def _event_id_of(self, obj: Model) -> int | None:
        if not self.event_path:
            return obj.pk
        *hops, last = self.event_path.split("__")
        for hop in hops:
            obj = getattr(obj, hop)
        return getattr(obj, f"{last}_id")

    def _may(self, request, obj=None) -> bool:
        user = request.user
        if user.is_superuser:
            return True
        if not (user.is_active and user.is_staff):
            return False
        if obj is None:
            return _organises_any(user)
        return EventRole.objects.filter(
            user=user, role=EventRole.Role.ORGANISER, event_id=self._event_id_of(obj)
        ).exists()

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{self._event_lookup("in"): organised_event_ids(request.user)})

    def has_module_permission(self, request):
        return self._may(request)

    def has_view_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_add_permission(self, request, *args):
        if self.read_only:
            return False
        if not self.event_path:  # creating events is for superusers
            return request.user.is_superuser
        return self._may(request)

    def has_change_permission(self, request, obj=None):
        return not self.read_only and self._may(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self.read_only and self._may(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Choices for the event, and for rows that belong to an event, only from events the user organises.
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is None or request.user.is_superuser:
            return field
        related = db_field.related_model
        organised = organised_event_ids(request.user)
        if related is Event:
            field.queryset = field.queryset.filter(pk__in=organised)
        elif any(f.name == "event" and f.related_model is Event for f in related._meta.fields):
            field.queryset = field.queryset.filter(event__in=organised)
        return field


class EventScopedInline(EventScopedAdmin):
    """Mix into an inline: its permissions follow the parent object's event, ``event_path`` being
    the lookup from the parent ("" when the parent is the Event); the parent admin filters rows."""

    def get_queryset(self, request):
        return super(EventScopedAdmin, self).get_queryset(request)

    def has_add_permission(self, request, obj=None):
        return not self.read_only and self._may(request, obj)
