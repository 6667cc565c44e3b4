import html

import nh3
from django import template
from django.utils.safestring import SafeString

from abstracts.text import render_inline, render_paragraphs

register = template.Library()


@register.filter
def inline_markup(value: str) -> SafeString:
    """A title with its allowed inline markup (italics, bold, super- and subscript)."""
    return render_inline(value)


@register.filter
def paragraphs(value: str) -> SafeString:
    """An abstract's text: paragraphs at blank lines, allowed inline markup, nothing else."""
    return render_paragraphs(value)


@register.filter
def plain_text(value: str) -> str:
    """Markup removed, for places that take no HTML (the page title); escaped by the template."""
    return html.unescape(nh3.clean(value, tags=set()))
