"""Poster codes: the event's pattern, and the natural order in which codes sort (PS2 < PS10)."""

import re

from django.core.exceptions import ValidationError

_TOKENS = re.compile(r"\d+|[^\W\d_]+")


def validate_code_pattern(pattern: str) -> None:
    if "{n" not in pattern:
        raise ValidationError("The pattern must contain {n}, e.g. PS{n:02d}.")
    try:
        sample = format_code(pattern, 1)
    except (ValueError, KeyError, IndexError) as error:
        raise ValidationError(f"{pattern!r} is not a valid pattern: {error}") from None
    if not sample.strip():
        raise ValidationError("The pattern gives an empty code.")


def format_code(pattern: str, number: int) -> str:
    return pattern.format(n=number)


def code_sort_key(code: str) -> str:
    """A string that sorts codes naturally: PS2 < PS10 < PS-11 < PS20.

    Runs of letters and digits are compared in turn, digits as numbers (zero-padded),
    punctuation ignored. Stored beside the code so that the database can order and
    paginate by it; the key holds only letters and digits so that it sorts the same
    under any database collation (PostgreSQL's locales ignore punctuation).
    """
    tokens = _TOKENS.findall(code.casefold())
    return "".join(token.zfill(12) if token.isdigit() else token for token in tokens)
