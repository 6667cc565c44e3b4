from django import template

from conference.models import Event
from conference.permissions import is_organiser

register = template.Library()


@register.filter
def organises(user, event: Event) -> bool:
    """``{% if user|organises:event %}``: whether to show organisers' links."""
    return is_organiser(user, event)
