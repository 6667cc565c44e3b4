"""Permissions shared by the apps' API views. Who may see which object is decided by querysets
(what a user may not know exists is a 404); these classes decide what a user may do to what
they can see (403)."""

from rest_framework import permissions

from api.authentication import request_token
from conference.models import Event, EventRole


class TokenScopeAllows(permissions.BasePermission):
    """A read-scoped token reads only; writing with one is a 403 with the code ``token_read_only``."""

    message = "This token may only read; create a token with the write scope to change data."
    code = "token_read_only"

    def has_permission(self, request, view) -> bool:
        token = request_token(request)
        return request.method in permissions.SAFE_METHODS or token is None or token.can_write


def event_roles(request) -> dict[int, frozenset[str]]:
    """The user's roles per event, read once per request (serialisers ask for every row)."""
    cached = getattr(request, "_api_event_roles", None)
    if cached is None:
        roles: dict[int, set[str]] = {}
        if request.user.is_authenticated:
            for event_id, role in EventRole.objects.filter(user=request.user).values_list("event_id", "role"):
                roles.setdefault(event_id, set()).add(role)
        cached = {event_id: frozenset(names) for event_id, names in roles.items()}
        request._api_event_roles = cached
    return cached


def organised_event_ids(request) -> frozenset[int]:
    return frozenset(
        event_id for event_id, roles in event_roles(request).items() if EventRole.Role.ORGANISER in roles
    )


def reviewed_event_ids(request) -> frozenset[int]:
    return frozenset(
        event_id for event_id, roles in event_roles(request).items() if EventRole.Role.REVIEWER in roles
    )


def is_superuser(request) -> bool:
    return request.user.is_authenticated and request.user.is_superuser


def organises(request, event_id: int) -> bool:
    """Organisers of the event, and superusers, who organise every event."""
    return is_superuser(request) or event_id in organised_event_ids(request)


def event_id_of(obj) -> int:
    return obj.pk if isinstance(obj, Event) else obj.event_id


class OrganisesTheEvent(permissions.BasePermission):
    """For organisers' actions on an object the user can see: 403 for everyone else."""

    message = "Only the organisers of this event can do this."

    def has_object_permission(self, request, view, obj) -> bool:
        return organises(request, event_id_of(obj))


# Organisers' actions: a write (so a read-only token is refused), signed in (else 401), then the role.
ORGANISER_ACTION = [TokenScopeAllows, permissions.IsAuthenticated, OrganisesTheEvent]
