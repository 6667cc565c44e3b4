"""What a submitter sends, and the rules it must meet: shared by the web form and the API.

The content is plain data (no model instances), so the same checks run on a form's
cleaned data, on an API payload and in tests. Drafts are kept even when incomplete;
``submission_problems`` lists what stands between a draft and a submission.
"""

from dataclasses import dataclass, field

from abstracts.selectors import PrintedAbstract, PrintedAuthor, number_affiliations
from abstracts.text import markup_problems, text_key, word_count
from abstracts.validators import text_character_problem
from conference.models import Event

MAX_AUTHORS = 100
MAX_AFFILIATIONS = 60
MAX_KEYWORDS = 20
# A draft's text, in characters: about 3,000 words, ten times the usual 300-word limit of an abstract
# and room for a two-page extended abstract. The event's word limit is what a submission must meet.
MAX_TEXT_CHARACTERS = 20_000
# The columns' lengths (abstracts/models.py): checked here too, so that no caller of the services can
# reach the database with more (PostgreSQL would refuse it with an error, SQLite would keep it).
MAX_LENGTHS = {
    "title": 500,
    "note": 500,
    "author first_name": 150,
    "author last_name": 150,
    "author title": 60,
    "affiliation": 500,
    "keyword": 200,
}


@dataclass(frozen=True)
class AuthorEntry:
    first_name: str
    last_name: str
    title: str = ""
    email: str = ""
    orcid: str = ""
    affiliations: tuple[str, ...] = ()  # names, in the order this author carries them
    is_presenting: bool = False

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class SubmissionContent:
    title: str
    text: str
    note: str = ""
    preferred_session_id: int | None = None
    authors: tuple[AuthorEntry, ...] = ()
    keywords: tuple[str, ...] = ()
    # Affiliations typed but attached to nobody: refused on submit, kept in a draft's form.
    loose_affiliations: tuple[str, ...] = field(default=())

    def numbered_affiliations(self) -> tuple[list[str], list[tuple[int, ...]]]:
        """The affiliations numbered as the book prints them (first appearance along the authors)."""
        return number_affiliations((author.affiliations for author in self.authors), key=text_key)

    def printed(self, *, pk: int = 0, code: str = "", session_title: str = "", status: str = "draft"):
        """As the abstract partial prints it: the preview is this, laid out like the book."""
        numbered, numbers = self.numbered_affiliations()
        return PrintedAbstract(
            pk=pk,
            code=code,
            title=self.title,
            authors=tuple(
                PrintedAuthor(
                    person_id=0,
                    first_name=author.first_name,
                    last_name=author.last_name,
                    title=author.title,
                    numbers=author_numbers,
                    is_presenting=author.is_presenting,
                )
                for author, author_numbers in zip(self.authors, numbers, strict=True)
            ),
            note=self.note,
            affiliations=tuple(enumerate(numbered, 1)),
            text=self.text,
            keywords=self.keywords,
            session_title=session_title,
            status=status,
            url="",
        )


def markup_message(problems: list[str]) -> str:
    return (
        f"Only <i>, <b>, <sup> and <sub> (and <em>, <strong>) are allowed here; remove {', '.join(problems)}."
    )


def content_problems(content: SubmissionContent) -> dict[str, list[str]]:
    """Problems that stop even a draft from being saved (it could not be stored or printed)."""
    problems: dict[str, list[str]] = {}

    def add(where: str, message: str) -> None:
        problems.setdefault(where, []).append(message)

    if not content.title.strip():
        add("title", "Give the abstract a title (a draft needs one too).")
    for where, label, value, limit in _texts(content):
        problem = text_character_problem(value)
        if problem:
            add(where, f"{label} {problem}; remove it.")
        if len(value) > limit:
            add(where, f"{label} is {len(value):,} characters long; at most {limit:,} fit.")
    for where, value in (("title", content.title), ("text", content.text)):
        found = markup_problems(value)
        if found:
            add(where, markup_message(found))
    if len(content.authors) > MAX_AUTHORS:
        add("authors", f"At most {MAX_AUTHORS} authors can be listed; this has {len(content.authors)}.")
    affiliation_count = len({text_key(name) for a in content.authors for name in a.affiliations})
    if affiliation_count > MAX_AFFILIATIONS:
        add(
            "affiliations",
            f"At most {MAX_AFFILIATIONS} affiliations can be listed; this has {affiliation_count}.",
        )
    if len(content.keywords) > MAX_KEYWORDS:
        add("keywords", f"At most {MAX_KEYWORDS} keywords; this has {len(content.keywords)}.")
    seen: dict[str, str] = {}
    for label in content.keywords:
        key = text_key(label)
        if key in seen:
            add("keywords", f"“{label}” is listed twice (as “{seen[key]}” too); keep one.")
        seen.setdefault(key, label)
    for number, author in enumerate(content.authors, 1):
        if not author.last_name.strip():
            add(f"author-{number}", f"Author {number} needs a last name.")
    return problems


def _texts(content: SubmissionContent):
    """Every text of the content: (where a problem is shown, what it is called, the text, its longest)."""
    yield "title", "The title", content.title, MAX_LENGTHS["title"]
    yield "text", "The text", content.text, MAX_TEXT_CHARACTERS
    yield "note", "The note", content.note, MAX_LENGTHS["note"]
    for number, author in enumerate(content.authors, 1):
        for name in ("first_name", "last_name", "title"):
            label = f"Author {number}'s {'academic title' if name == 'title' else name.replace('_', ' ')}"
            yield f"author-{number}", label, getattr(author, name), MAX_LENGTHS[f"author {name}"]
        for name in author.affiliations:
            yield "affiliations", f"The affiliation “{name[:80]}”", name, MAX_LENGTHS["affiliation"]
    for name in content.loose_affiliations:
        yield "affiliations", f"The affiliation “{name[:80]}”", name, MAX_LENGTHS["affiliation"]
    for label in content.keywords:
        yield "keywords", f"The keyword “{label[:80]}”", label, MAX_LENGTHS["keyword"]


def submission_problems(content: SubmissionContent, event: Event) -> dict[str, list[str]]:
    """Everything that stops the content from being submitted: ``content_problems`` and completeness."""
    problems = content_problems(content)

    def add(where: str, message: str) -> None:
        problems.setdefault(where, []).append(message)

    if not content.text.strip():
        add("text", "The abstract's text is empty.")
    words = word_count(content.text)
    if words > event.word_limit:
        add(
            "text",
            f"The text has {words} words; the limit is {event.word_limit}. "
            f"Shorten it by {words - event.word_limit}.",
        )
    if not content.authors:
        add("authors", "List at least one author.")
    else:
        presenting = [author for author in content.authors if author.is_presenting]
        if not presenting:
            add("presenting", "Choose the presenting author.")
        elif len(presenting) > 1:
            add("presenting", "Choose exactly one presenting author.")
    for number, author in enumerate(content.authors, 1):
        if not author.affiliations:
            add(
                f"author-{number}",
                f"Author {number} ({author.name or 'no name'}) has no affiliation; tick at least one.",
            )
    for name in content.loose_affiliations:
        add("affiliations", f"“{name}” is not attached to any author: tick it for an author or remove it.")
    if not content.keywords:
        add("keywords", "Give at least one keyword.")
    if event.sessions.exists() and content.preferred_session_id is None:
        add("preferred_session", "Choose the session your abstract fits best.")
    return problems
