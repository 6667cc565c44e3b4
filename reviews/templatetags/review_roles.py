from django import template

from conference.models import Event
from reviews.permissions import is_reviewer

register = template.Library()


@register.filter
def reviews_for(user, event: Event) -> bool:
    """``{% if user|reviews_for:event %}``: whether to show the reviewers' links."""
    return is_reviewer(user, event)
