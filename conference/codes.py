"""Poster codes: the event's pattern, and the natural order in which codes sort (PS2 < PS10)."""

import re

from django.core.exceptions import ValidationError

_DIGITS = re.compile(r"(\d+)")


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
    """A string that sorts codes naturally: digit runs are zero-padded, letters case-folded.

    Stored beside the code so that the database can order and paginate by it.
    """
    return _DIGITS.sub(lambda match: match.group(1).zfill(12), code.casefold())
