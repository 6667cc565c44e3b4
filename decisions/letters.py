"""What a decision letter may say and how it is filled in for one abstract.

Organisers type the letters, so they are plain text with a fixed set of ``{placeholders}``
(``str.format_map`` syntax), never Django template syntax: a letter cannot reach anything but
the values below. ``letter_text_problems`` is the one check the form, the model and the
services share.
"""

import re
import string

from django.conf import settings
from django.core.exceptions import ValidationError

from abstracts.models import Abstract
from abstracts.templatetags.abstract_markup import plain_text

ACCEPTED = Abstract.Status.ACCEPTED.value
REJECTED = Abstract.Status.REJECTED.value

PLACEHOLDERS = {
    "title": "the abstract's title, without markup",
    "code": "its poster code",
    "session": "the session it is in",
    "event": "the event's name",
    "presenting_author": "the presenting author's name",
    "authors": "all authors, in order",
    "submitter_name": "the submitter's name (else the presenting author's)",
    "abstract_url": "the address of the abstract's page",
}
NOT_YET = "(not assigned yet)"

# Paragraphs on one line each: mail programs wrap them to the reader's window.
DEFAULT_TEXTS = {
    ACCEPTED: (
        "Accepted: {title} ({event})",
        "\n\n".join(
            [
                "Dear {submitter_name},",
                "we are pleased to tell you that your abstract",
                "  {title}\n  {authors}",
                "has been accepted for {event}.",
                "Poster code: {code}\nSession: {session}\nPresenting author: {presenting_author}",
                "Please put the poster code on your poster. Your abstract is at {abstract_url}",
                "We look forward to seeing you.",
                "With best regards,\nthe organisers of {event}\n",
            ]
        ),
    ),
    REJECTED: (
        "Your abstract for {event}: {title}",
        "\n\n".join(
            [
                "Dear {submitter_name},",
                "thank you for submitting your abstract",
                "  {title}\n  {authors}",
                "to {event}. We received many more abstracts than the programme has room for, "
                "and we regret to tell you that we could not accept yours.",
                "We hope to see you at {event} all the same.",
                "With best regards,\nthe organisers of {event}\n",
            ]
        ),
    ),
}

_TEMPLATE_SYNTAX = re.compile(r"\{\{\s*[\w.]+\s*\}\}|\{%|%\}")


def placeholder_list() -> str:
    return ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)


def letter_text_problems(text: str) -> list[str]:
    """What is wrong with a letter's subject or body, in words an organiser can act on."""
    if _TEMPLATE_SYNTAX.search(text):
        return ["Placeholders are written with single braces, e.g. {title}, not {{ title }} or {% … %}."]
    try:
        fields = [
            (name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(text)
            if name is not None
        ]
    except ValueError:
        return [
            "A “{” or “}” is missing its pair. Placeholders look like {code}; write {{ or }} for a brace."
        ]
    problems = []
    if any(name == "" for name, _, _ in fields):
        problems.append("An empty {} needs a name, e.g. {title}.")
    unknown = sorted({name for name, _, _ in fields if name and name not in PLACEHOLDERS})
    if unknown:
        listed = ", ".join(f"{{{name}}}" for name in unknown)
        problems.append(
            f"Unknown placeholder{'s' if len(unknown) > 1 else ''}: {listed}. "
            f"The placeholders are {placeholder_list()}."
        )
    formatted = sorted(
        {name for name, spec, conversion in fields if name in PLACEHOLDERS and (spec or conversion)}
    )
    if formatted:
        problems.append(
            "Placeholders take no format or conversion: write "
            + ", ".join(f"{{{name}}}" for name in formatted)
            + "."
        )
    return problems


def validate_letter_text(text: str) -> None:
    problems = letter_text_problems(text)
    if problems:
        raise ValidationError(problems)


def letter_values(abstract: Abstract) -> dict[str, str]:
    """The placeholders' values for one abstract (its authorships with people, session, event and
    submitter loaded)."""
    authorships = sorted(abstract.authorships.all(), key=lambda authorship: authorship.position)
    names = [authorship.person.full_name for authorship in authorships]
    presenting = next(
        (authorship.person.full_name for authorship in authorships if authorship.is_presenting), ""
    )
    submitter = abstract.submitter
    submitter_name = submitter.get_full_name().strip() if submitter else ""
    return {
        "title": " ".join(plain_text(abstract.title).split()),
        "code": abstract.code or NOT_YET,
        "session": abstract.session.title if abstract.session else NOT_YET,
        "event": abstract.event.name,
        "presenting_author": presenting or (names[0] if names else ""),
        "authors": ", ".join(names),
        "submitter_name": submitter_name or presenting or (names[0] if names else "colleague"),
        "abstract_url": settings.SITE_URL.rstrip("/") + abstract.get_absolute_url(),
    }


def render_letter(*, subject: str, body: str, abstract: Abstract) -> tuple[str, str]:
    """The subject (one line) and the body of the letter to one abstract's author."""
    validate_letter_text(subject)
    validate_letter_text(body)
    values = letter_values(abstract)
    return " ".join(subject.format_map(values).split()), body.format_map(values)


def letter_recipient(abstract: Abstract) -> str:
    """The submitter's account e-mail, else the presenting author's; "" when there is neither."""
    if abstract.submitter and abstract.submitter.email:
        return abstract.submitter.email
    for authorship in abstract.authorships.all():
        if authorship.is_presenting and authorship.person.email:
            return authorship.person.email
    return ""
