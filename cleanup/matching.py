"""How two names, affiliations, keywords or titles are judged "probably the same": pure text functions.

Everything is compared in a folded form: Unicode compatibility form, accents removed, case-folded,
punctuation read as a space, white space collapsed ("Jörg-Peter  Müller," → "jorg peter muller").
The database keys (``abstracts.text.text_key``) keep accents and punctuation on purpose; these
folds only suggest, an organiser decides.
"""

import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Sequence
from difflib import SequenceMatcher
from functools import lru_cache

_NOT_WORD = re.compile(r"[^\w]+|_")
# An acronym in brackets, "(DZNE)", "[FZJ]": letters only; "(INM-7)" tells institutes apart and stays.
_ACRONYM_ASIDE = re.compile(r"\(\s*([^\W\d_]{2,12})\s*\)|\[\s*([^\W\d_]{2,12})\s*\]")
_NUMBER = re.compile(r"\d+")


@lru_cache(maxsize=65536)
def fold(value: str) -> str:
    if not value.isascii():
        decomposed = unicodedata.normalize("NFKD", value)
        value = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_NOT_WORD.sub(" ", value.casefold()).split())


def numbers(folded: str) -> list[str]:
    return _NUMBER.findall(folded)


def within_one_edit(a: str, b: str) -> bool:
    """One letter changed, added, dropped, or two neighbours swapped ("Smith"/"Smyth"/"Smiht")."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    start = 0
    while start < len(a) and a[start] == b[start]:
        start += 1
    if len(a) == len(b):
        if a[start + 1 :] == b[start + 1 :]:
            return True
        return a[start + 2 :] == b[start + 2 :] and a[start : start + 2] == b[start : start + 2][::-1]
    return a[start:] == b[start + 1 :]


def edit_distance(a: str, b: str) -> int:
    """Letters changed, added or dropped to turn one word into the other (Levenshtein)."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def one_edit_apart(values: Iterable[str]) -> set[tuple[str, str]]:
    """Pairs of distinct values that may be one edit apart: those sharing a one-letter-dropped
    variant (a letter changed, added or dropped, or two swapped, always leaves one in common).
    A hash lookup per letter instead of comparing every pair."""
    sharing: dict[str, str | list[str]] = {}
    for value in values:
        for i in range(len(value) + 1):
            variant = value[:i] + value[i + 1 :]
            found = sharing.get(variant)
            if found is None:
                sharing[variant] = value
            elif isinstance(found, str):
                if found != value:
                    sharing[variant] = [found, value]
            elif found[-1] != value:
                found.append(value)
    return {
        (a, b) if a < b else (b, a)
        for found in sharing.values()
        if isinstance(found, list)
        for i, a in enumerate(found)
        for b in found[i + 1 :]
    }


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def share_ends(a: str, b: str, share: float) -> bool:
    """Whether the common beginning and end together make ``share`` of the longer string.

    One of the two is then at least half of that: two slices rule out most pairs at once.
    """
    needed = share * max(len(a), len(b))
    if min(len(a), len(b)) < needed:
        return False
    half = max(1, int(needed / 2))
    if a[:half] != b[:half] and a[-half:] != b[-half:]:
        return False
    return shared_ends(a, b) >= needed


def shared_ends(a: str, b: str) -> int:
    """Length of the common beginning plus the common end (not overlapping); found by halving."""
    shortest = min(len(a), len(b))
    low, high = 0, shortest
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    prefix = low
    low, high = 0, shortest - prefix
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle :] == b[len(b) - middle :]:
            low = middle
        else:
            high = middle - 1
    return prefix + low


def sorted_neighbours(values: dict[int, str], window: int) -> Iterable[tuple[int, int]]:
    """Pairs of ids whose values are near each other in alphabetical order, forwards or backwards.

    Two strings that differ in one place share everything before it or everything after it, so
    they sort close together one way or the other (the "sorted neighbourhood" blocking method):
    ``window`` neighbours each way instead of every pair.
    """
    for order in (
        sorted(values, key=lambda pk: values[pk]),
        sorted(values, key=lambda pk: values[pk][::-1]),
    ):
        for i, pk in enumerate(order):
            for other in order[i + 1 : i + 1 + window]:
                yield pk, other


# People -----------------------------------------------------------------------------------------


def name_tokens(value: str) -> tuple[str, ...]:
    return tuple(fold(value).split())


def first_names_compatible(a: Sequence[str], b: Sequence[str]) -> bool:
    """ "J." and "John", "J. A." and "John Albert", "Hans" and "Hans-Peter"; not "John" and "Jane".

    Either may be missing (a last name alone fits any first name).
    """
    if not a or not b:
        return True
    for x, y in zip(a, b, strict=False):
        if x == y:
            continue
        if (len(x) == 1 and y.startswith(x)) or (len(y) == 1 and x.startswith(y)):
            continue
        return False
    return True


# Affiliations -----------------------------------------------------------------------------------

ABBREVIATIONS = {
    "univ": "university",
    "uni": "university",
    "universitaet": "universitat",
    "inst": "institute",
    "institut": "institute",
    "dept": "department",
    "dep": "department",
    "ctr": "center",
    "cntr": "center",
    "centre": "center",
    "hosp": "hospital",
    "lab": "laboratory",
    "labs": "laboratory",
    "natl": "national",
    "nat": "national",
    "res": "research",
    "sci": "science",
    "sciences": "science",
    "technol": "technology",
    "tech": "technology",
    "med": "medical",
    "fac": "faculty",
    "st": "saint",
    "intl": "international",
    "zentr": "zentrum",
    "forschungszentr": "forschungszentrum",
}
# Words that say nothing about which organisation it is; left out of keys and comparisons.
AFFILIATION_FILLERS = {
    "of", "the", "for", "and", "at", "in", "und", "fur", "der", "die", "das", "des", "de", "la",
    "le", "du", "di", "del", "et", "gmbh", "ev", "e", "v", "ag", "inc", "ltd", "llc", "ggmbh",
}  # fmt: skip
STOP_WORDS = {"of", "the", "for", "and", "in", "on", "at", "to", "a", "an", "und", "fur", "der", "de"}


def affiliation_words(name: str) -> tuple[str, ...]:
    """Folded words, abbreviations written out ("Univ." → "university"), acronyms in brackets left out."""
    without_aside = _ACRONYM_ASIDE.sub(" ", name)
    text = without_aside if fold(without_aside) else name
    words = fold(text.replace("&", " and ")).split()
    return tuple(ABBREVIATIONS.get(word, word) for word in words)


def affiliation_key(words: Sequence[str]) -> str:
    """Same key: the same organisation written with other case, accents, punctuation, word order or
    abbreviations ("Univ. of Bonn", "University Bonn", "Bonn University")."""
    return " ".join(sorted(word for word in words if word not in AFFILIATION_FILLERS))


def aside(name: str) -> str:
    """The acronym a whole name gives at its end: "Helmholtz Zentrum München (HMGU)" → "hmgu".

    Not one given for a part: in "German Aerospace Center (DLR), Institute of Robotics" the DLR
    is the centre, not this institute.
    """
    match = _ACRONYM_ASIDE.search(name.rstrip(" .,;"))
    if match is None or match.end() != len(name.rstrip(" .,;")):
        return ""
    return fold(match.group(1) or match.group(2))


def initials(words: Sequence[str]) -> set[str]:
    """The acronyms a name of two or more words could have: all initials, and without small words."""
    if len(words) < 2:
        return set()
    found = {"".join(word[0] for word in words)}
    content = [word for word in words if word not in STOP_WORDS]
    if len(content) >= 2:
        found.add("".join(word[0] for word in content))
    return found


def looks_like_acronym(label: str, shortest: int = 2) -> bool:
    """Written as one word of capitals (digits and a few small letters allowed): "DKFZ", "HZM", "IoT"."""
    letters = "".join(char for char in label if char.isalnum())
    if not letters or " " in label.strip() or len(letters) < shortest or len(letters) > 10:
        return False
    capitals = sum(1 for char in letters if char.isupper())
    return capitals >= 2 and capitals >= len(letters) / 2


def words_typo_apart(a: Sequence[str], b: Sequence[str]) -> bool:
    """The same words, some of them a typo apart (never a whole word added or another word):
    keeps "Max Planck Institute for Chemistry" apart from "... for Biochemistry"."""
    a = [word for word in a if word not in AFFILIATION_FILLERS]
    b = [word for word in b if word not in AFFILIATION_FILLERS]
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        shorter = min(len(x), len(y))
        # Short words must match ("Paris 6"); longer ones may be one letter off, long ones two.
        allowed = 0 if shorter < 4 else 1 if shorter < 8 else 2
        if x == y:
            continue
        if abs(len(x) - len(y)) > allowed or allowed == 0:
            return False
        if not within_one_edit(x, y) and (allowed == 1 or edit_distance(x, y) > 2):
            return False
    return True


# Keywords ---------------------------------------------------------------------------------------


def singular(word: str) -> str:
    """A simple English singular: "networks" → "network", "ontologies" → "ontology"."""
    if len(word) <= 3 or word.endswith(("ss", "us", "is", "ics")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def keyword_words(label: str) -> tuple[str, ...]:
    return tuple(singular(word) for word in fold(label).split())


def keyword_key(words: Sequence[str]) -> str:
    """Same key: the same keyword but for case, accents, hyphens, spacing and simple plurals
    ("Deep-learning", "deep learning", "DeepLearning", "Deep Learnings")."""
    return "".join(words)


# Grouping ---------------------------------------------------------------------------------------


def cluster(
    pairs: Iterable[tuple[Hashable, Hashable]], reason_of: Callable[[Hashable, Hashable], str | None]
) -> list[tuple[list, list[str]]]:
    """Groups from candidate pairs, by complete linkage: two groups join only when every member of
    one is judged the same as every member of the other (``reason_of`` says why, or None).

    So "J. Smith" joins "John Smith" or "Jane Smith", never both into one group. Pairs are taken
    in the order given (strongest first). Returns (members, reasons) for groups of two or more.
    """
    group_of: dict = {}
    members: dict[int, list] = {}
    reasons: dict[int, list[str]] = {}
    next_group = 0
    for a, b in pairs:
        if a == b:
            continue
        ga, gb = group_of.get(a), group_of.get(b)
        if ga is not None and ga == gb:
            continue
        left = members[ga] if ga is not None else [a]
        right = members[gb] if gb is not None else [b]
        found = []
        for x in left:
            for y in right:
                reason = reason_of(x, y)
                if reason is None:
                    break
                found.append(reason)
            else:
                continue
            break
        else:
            if ga is None:
                ga, next_group = next_group, next_group + 1
                members[ga], reasons[ga] = [a], []
                group_of[a] = ga
            if gb is not None:
                members[ga].extend(members.pop(gb))
                reasons[ga].extend(reasons.pop(gb))
            for member in right:
                group_of[member] = ga
            if gb is None:
                members[ga].append(b)
            reasons[ga].extend(found)
    return [(group, list(dict.fromkeys(reasons[key]))) for key, group in members.items()]
