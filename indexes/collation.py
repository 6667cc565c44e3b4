"""How a printed index orders names and keywords.

Names sort by the Unicode Collation Algorithm (pyuca, the default DUCET table): accented
letters sort with their base letter (Götz with Go…, Hrabě with Hrabe, Bačák with Bacak,
Müller just after Muller), case only breaks ties. The surname is taken as printed, with
its particle: "van der Weg Karel J" sorts and is headed under V, "zu Castell Wolfgang"
under Z, "Hrabě de Angelis Martin" under H. The letter heading is the base letter of the
first character (Ü under U, Č under C).
"""

import unicodedata
from functools import cache

from pyuca import Collator


@cache
def _collator() -> Collator:
    return Collator()


# Letters that are not a base letter plus a combining accent, but sort with one.
_BASE_LETTER = {"Ø": "O", "Ł": "L", "Đ": "D", "Æ": "A", "Œ": "O", "Ə": "E", "Ħ": "H", "Ŧ": "T", "ß": "S"}


def _from_first_letter_or_digit(text: str) -> str:
    """Leading punctuation (as in "'t Hart") neither sorts nor heads an entry."""
    for index, character in enumerate(text):
        if character.isalnum():
            return text[index:]
    return text


def collation_key(text: str) -> tuple:
    return _collator().sort_key(unicodedata.normalize("NFC", _from_first_letter_or_digit(text)))


def letter_heading(text: str) -> str:
    first = _from_first_letter_or_digit(unicodedata.normalize("NFC", text.strip()))[:1].upper()
    if not first or first.isdigit() or not first.isalpha():
        return "#"
    first = _BASE_LETTER.get(first, first)
    return unicodedata.normalize("NFD", first)[0]
