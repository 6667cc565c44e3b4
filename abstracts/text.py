"""Text helpers shared by the web form, the API, the import and the book.

Abstract titles and texts are untrusted. They may carry a small set of inline
markup (italics, bold, superscript, subscript); everything else is stripped when
rendered. Paragraphs are separated by a blank line, as in the exchange format.
"""

import re
import unicodedata

import nh3
from django.utils.safestring import SafeString, mark_safe

INLINE_TAGS = {"i", "em", "b", "strong", "sup", "sub"}
_BLANK_LINE = re.compile(r"\n\s*\n")
_WHITESPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]*>")


def text_key(value: str) -> str:
    """The normalised form by which names, affiliations and keywords are compared.

    Unicode NFKC, case-folded, runs of white space folded to one space. Accents are
    kept: "Jülich" and "Julich" are two spellings an organiser merges by hand.
    """
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", value).casefold()).strip()


def clean_inline(value: str) -> str:
    """HTML for a title or a paragraph: the allowed inline tags, everything else escaped."""
    return nh3.clean(value, tags=INLINE_TAGS, attributes={}, strip_comments=True)


def render_inline(value: str) -> SafeString:
    return mark_safe(clean_inline(value))  # noqa: S308 - nh3 output is sanitised


def split_paragraphs(text: str) -> list[str]:
    return [part.strip() for part in _BLANK_LINE.split(text.strip()) if part.strip()]


def render_paragraphs(text: str) -> SafeString:
    paragraphs = (clean_inline(" ".join(part.split())) for part in split_paragraphs(text))
    return mark_safe("".join(f"<p>{paragraph}</p>" for paragraph in paragraphs))  # noqa: S308


def word_count(text: str) -> int:
    """Words as the event's word limit counts them: markup removed ("CO<sub>2</sub>" is one word),
    split on white space. The form's script counts the same way."""
    return len(_TAG.sub("", text).split())


_ANY_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>|<!--.*?-->", re.S)
_PARAGRAPH_TAGS = re.compile(r"\s*</?p\s*>\s*", re.I)
_LINE_BREAK_TAG = re.compile(r"\s*<br\s*/?>\s*", re.I)


def normalise_paragraph_markup(text: str) -> str:
    """``<p>`` and ``<br>`` typed or pasted into a text become the blank lines that separate paragraphs."""
    text = _LINE_BREAK_TAG.sub("\n\n", text)
    return _PARAGRAPH_TAGS.sub("\n\n", text).strip()


def markup_problems(value: str) -> list[str]:
    """What in ``value`` is not the allowed markup, described for the person who typed it.

    Allowed: <i>, <em>, <b>, <strong>, <sup>, <sub>, without attributes. A "<" that does not
    start a tag ("p < 0.05") is text and fine.
    """
    problems: list[str] = []
    for match in _ANY_TAG.finditer(value):
        if match.group(0).startswith("<!--"):
            problem = "comments (<!-- … -->)"
        else:
            name = match.group(2).lower()
            if name not in INLINE_TAGS:
                problem = f"<{name}>"
            elif match.group(3).strip(" /"):
                problem = f"attributes on <{name}>"
            else:
                continue
        if problem not in problems:
            problems.append(problem)
    return problems
