import html
import re

import nh3
from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from abstracts.text import render_inline, render_paragraphs

register = template.Library()

# From this many authors on, the list may run onto the next page: each name then carries an anchor
# of its own, so that the author index can point at the page the name is on.
LONG_AUTHOR_LIST = 30

_SUPERIOR_FIGURES = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_BREAK_INSIDE_NAME = re.compile(r"([\s\-‐–/])")
_WORD_JOINER = "\u2060"


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


@register.filter
def superior_figures(value: object) -> str:
    """A number in the font's superior figures (¹²): a superscript without an element of its own."""
    return str(value).translate(_SUPERIOR_FIGURES)


def anchor_attribute(name: str, *, bookmark: bool) -> SafeString:
    """The attribute that makes an element an anchor: an ``id``, or for the PDF's body a ``data-anchor``
    that static/book/print.css turns into a bookmark, which books/rendering.py reads back as the anchor.
    WeasyPrint shares computed styles only between elements without an id (and their descendants):
    an id on every abstract cost about 8% of the time to lay out the body."""
    return format_html(' data-anchor="{}"' if bookmark else ' id="{}"', name)


@register.simple_tag(takes_context=True)
def anchor(context, *parts: object) -> SafeString:
    """``{% anchor "abstract" abstract.pk "authors" %}`` → ``id="abstract-12-authors"``, or a data-anchor
    where the template is rendered with ``bookmark_anchors`` set."""
    return anchor_attribute(
        "-".join(str(part) for part in parts), bookmark=bool(context.get("bookmark_anchors"))
    )


@register.simple_tag(takes_context=True)
def author_line(context, abstract, pdf: bool = False) -> SafeString:
    """The authors in order, each with superscript affiliation numbers, the presenting one underlined.

    A name is never broken across lines. On pages each name is a ``span.author`` with ``nowrap``;
    in the PDF a name is held together by word joiners after its spaces and hyphens instead (they
    print nothing and copy as nothing), since an element per name costs WeasyPrint layout time,
    about 4% of a book's. A long list keeps its spans in the PDF too: they carry each name's anchor.
    """
    long_list = len(abstract.authors) > LONG_AUTHOR_LIST
    names = []
    for author in abstract.authors:
        name = escape(author.name)
        if pdf and not long_list:
            name = _BREAK_INSIDE_NAME.sub(rf"\1{_WORD_JOINER}", name)
        printed = format_html("<u>{}</u>", mark_safe(name)) if author.is_presenting else name  # noqa: S308
        if author.numbers:
            printed += format_html("<sup>{}</sup>", ",".join(str(number) for number in author.numbers))
        if not pdf or long_list:
            printed = format_html(
                '<span class="author{}"{}{}>{}</span>',
                " presenting" if author.is_presenting else "",
                anchor(context, "abstract", abstract.pk, "author", author.person_id) if long_list else "",
                mark_safe(' title="presenting author"') if author.is_presenting else "",
                printed,
            )
        names.append(printed)
    return mark_safe(", ".join(names))  # noqa: S308 (every name was escaped above)
