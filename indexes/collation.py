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


def collation_key(text: str) -> tuple:
    return _collator().sort_key(unicodedata.normalize("NFC", text))


def letter_heading(text: str) -> str:
    for character in unicodedata.normalize("NFD", text.strip()):
        if character.isalpha():
            return character.upper()
        if character.isdigit():
            return "#"
    return "#"
