"""The exchange format (``conference.schema.json``): import and export of one event.

Import is one transaction: a file with any problem changes nothing, and every
problem is reported with its place in the file (``abstracts[12].authors[3].affiliations[0]``).
Importing the same file again updates what it finds (abstracts by code, or by title
when they have none) and creates nothing twice. Abstracts of the event that are not
in the file are left as they are: an import never deletes a submission.

Normalisations (``export(import(x))`` equals ``x`` up to these; docs/exchange-format.md):
- affiliations are numbered in order of first appearance along the authors; one
  listed twice under an abstract (same text up to case and spacing) is listed once;
  one listed but carried by no author is kept and numbered last;
- keywords within an abstract are a case-insensitive set (first spelling kept), and
  across the event a keyword keeps the spelling it was first written with;
- a person (same ORCID, else same e-mail, else same name) is one record per event:
  their academic title, e-mail and ORCID are the first non-empty ones seen;
- sessions are listed by their order, abstracts in book order (by ``order``, those
  without one last, then by code);
- empty optional strings are left out, defaults are written out
  (``status``, ``presenting``, ``code`` and ``session`` as null).
"""

import json
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils.text import slugify
from jsonschema import Draft202012Validator

from abstracts.models import (
    Abstract,
    AbstractKeyword,
    Affiliation,
    AuthorAffiliation,
    Authorship,
    Keyword,
    Person,
    UnattachedAffiliation,
)
from abstracts.submission import (
    MAX_AFFILIATIONS,
    MAX_AUTHORS,
    MAX_KEYWORDS,
    MAX_TEXT_CHARACTERS,
    markup_message,
)
from abstracts.text import markup_problems, text_key
from abstracts.validators import orcid_checksum_ok, text_character_problem
from conference.changes import event_changed
from conference.codes import code_sort_key
from conference.models import Event, Session

SCHEMA_PATH = Path(__file__).with_name("conference.schema.json")
EXPORTED_STATUSES = ("submitted", "accepted", "rejected", "withdrawn")

# Longest values the database takes, by the name of the field in the file.
MAX_LENGTHS = {
    ("event", "name"): 300,
    ("event", "short_name"): 100,
    ("event", "slug"): 100,
    ("event", "venue"): 300,
    ("session", "title"): 200,
    ("abstract", "code"): 40,
    ("abstract", "title"): 500,
    ("abstract", "note"): 500,
    ("author", "first_name"): 150,
    ("author", "last_name"): 150,
    ("author", "title"): 60,
    ("author", "email"): 254,
    ("affiliation", "name"): 500,
    ("keyword", "label"): 200,
    ("abstract", "text"): MAX_TEXT_CHARACTERS,
}
# How many of each one abstract may list: the web form's and the API's limits.
MAX_COUNTS = {"authors": MAX_AUTHORS, "affiliations": MAX_AFFILIATIONS, "keywords": MAX_KEYWORDS}
# A problem quotes at most this much of the value it is about (a 5 MB value must not become a 5 MB message).
_QUOTED_AT_MOST = 200


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ExchangeError(Exception):
    """The file cannot be imported; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass
class ImportReport:
    event: Event
    event_created: bool
    abstracts_created: int = 0
    abstracts_updated: int = 0
    abstracts_untouched: int = 0
    people_created: int = 0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{'Created' if self.event_created else 'Updated'} event {self.event.slug!r}: "
            f"{self.abstracts_created} abstracts created, {self.abstracts_updated} updated, "
            f"{self.abstracts_untouched} not in the file left as they were; "
            f"{self.people_created} people created."
        )


@cache
def _schema_validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def format_path(parts) -> str:
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


class _DuplicateKey(ValueError):
    pass


def _object_without_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def parse_exchange(raw: bytes | str) -> dict:
    """Parse the JSON of an exchange file, or raise ExchangeError saying what is wrong and where.

    Stricter than ``json.loads``: a key given twice in one object (JSON parsers silently keep one
    of the two), NaN and Infinity (not JSON) and nesting deeper than Python's parser goes are refused.
    """
    try:
        data = json.loads(
            raw, object_pairs_hook=_object_without_duplicate_keys, parse_constant=_refuse_constant
        )
    except UnicodeDecodeError as error:
        raise ExchangeError([Problem("", f"the file is not UTF-8 text: {error}")]) from None
    except json.JSONDecodeError as error:
        raise ExchangeError(
            [
                Problem(
                    "",
                    # "Unterminated string starting at" ends in "at" already.
                    f"not valid JSON: {error.msg.removesuffix(' at')} "
                    f"at line {error.lineno}, column {error.colno}",
                )
            ]
        ) from None
    except _DuplicateKey as error:
        key = _quoted(str(error.args[0]))
        raise ExchangeError(
            [
                Problem(
                    "", f"the key {key} is given twice in one object; keep one (JSON keeps only one of them)"
                )
            ]
        ) from None
    except RecursionError:
        raise ExchangeError([Problem("", "not valid for import: the JSON is nested too deeply")]) from None
    except ValueError as error:  # NaN/Infinity, or an integer of more than 4,300 digits
        raise ExchangeError([Problem("", f"not valid JSON: {_quoted(str(error))[1:-1]}")]) from None
    return data


def _quoted(value: str) -> str:
    """``repr`` of a value, shortened: problems quote what they are about, not all of it."""
    if len(value) > _QUOTED_AT_MOST:
        return repr(value[:_QUOTED_AT_MOST]) + f" (… {len(value)} characters in all)"
    return repr(value)


def _schema_problems(data) -> list[Problem]:
    problems = []
    # In file order: abstracts[3] before abstracts[30].
    errors = sorted(
        _schema_validator().iter_errors(data),
        key=lambda error: [
            (0, part, "") if isinstance(part, int) else (1, 0, part) for part in error.absolute_path
        ],
    )
    for error in errors:
        path = list(error.absolute_path)
        message = error.message
        if error.validator == "required" and isinstance(error.instance, dict):
            # jsonschema reports each missing property as an error of its own, but names it
            # only in its message; take the first listed property that is missing and not yet reported.
            reported = {problem.path for problem in problems}
            missing = [name for name in error.validator_value if name not in error.instance]
            for name in missing:
                if format_path([*path, name]) not in reported:
                    problems.append(Problem(format_path([*path, name]), "is required"))
                    break
            continue
        if error.validator == "format" and error.validator_value == "date":
            message = f"{_quoted(str(error.instance))} is not a date (YYYY-MM-DD)"
        elif len(message) > 2 * _QUOTED_AT_MOST:
            # jsonschema quotes the whole offending value; a huge or deeply nested one is cut.
            message = f"{message[:_QUOTED_AT_MOST]} … ({error.validator} {error.validator_value!r})"
        problems.append(Problem(format_path(path), message))
    return problems


def _too_long(problems: list[Problem], path: str, kind: tuple[str, str], value: str) -> None:
    limit = MAX_LENGTHS[kind]
    if len(value) > limit:
        problems.append(Problem(path, f"is {len(value):,} characters long; at most {limit:,} fit"))


def _author_identity(author: dict) -> list[tuple[str, str]]:
    keys = [("name", text_key(f"{author.get('first_name', '')} {author['last_name']}"))]
    if author.get("orcid"):
        keys.append(("orcid", author["orcid"]))
    if author.get("email"):
        keys.append(("email", author["email"].strip().lower()))
    return keys


def _character_problems(node, path: list) -> list[Problem]:
    """Characters no text may hold (NUL, lone surrogates, control characters), wherever they are."""
    found: list[Problem] = []
    stack = [(node, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            problem = text_character_problem(value)
            if problem:
                found.append(Problem(format_path(where), problem))
        elif isinstance(value, dict):
            stack.extend((item, [*where, key]) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((item, [*where, index]) for index, item in reversed(list(enumerate(value))))
    return found


def _semantic_problems(data: dict) -> list[Problem]:
    problems: list[Problem] = _character_problems(data, [])
    if problems:
        return problems
    event = data["event"]
    for name in ("name", "short_name", "slug", "venue"):
        if name in event:
            _too_long(problems, f"event.{name}", ("event", name), event[name])
    if event.get("end_date") and event["end_date"] < event["start_date"]:
        problems.append(Problem("event.end_date", "is before the start date"))

    session_at: dict[str, int] = {}
    for i, session in enumerate(data["sessions"]):
        path = f"sessions[{i}].title"
        _too_long(problems, path, ("session", "title"), session["title"])
        key = text_key(session["title"])
        if key in session_at:
            problems.append(
                Problem(
                    path,
                    f"duplicate session {session['title']!r} (also sessions[{session_at[key]}])",
                )
            )
        session_at.setdefault(key, i)
    sessions = {session["title"] for session in data["sessions"]}

    code_at: dict[str, int] = {}
    for i, abstract in enumerate(data["abstracts"]):
        here = f"abstracts[{i}]"
        for name in ("title", "note", "text"):
            if name in abstract:
                _too_long(problems, f"{here}.{name}", ("abstract", name), abstract[name])
        for name in ("title", "text"):
            found = markup_problems(abstract[name])
            if found:
                problems.append(Problem(f"{here}.{name}", markup_message(found)))
        for name, limit in MAX_COUNTS.items():
            if len(abstract[name]) > limit:
                problems.append(
                    Problem(
                        f"{here}.{name}", f"lists {len(abstract[name]):,} {name}; at most {limit} are taken"
                    )
                )
        if any(len(abstract[name]) > limit for name, limit in MAX_COUNTS.items()):
            continue  # checking each of 10,000 entries would only bury the problem
        if not abstract["text"].strip():
            problems.append(Problem(f"{here}.text", "is empty"))
        if not abstract["title"].strip():
            problems.append(Problem(f"{here}.title", "is empty"))
        code = (abstract.get("code") or "").strip()
        if code:
            _too_long(problems, f"{here}.code", ("abstract", "code"), code)
            if code in code_at:
                problems.append(
                    Problem(
                        f"{here}.code",
                        f"duplicate code {code!r} (also at abstracts[{code_at[code]}])",
                    )
                )
            code_at.setdefault(code, i)
        session = abstract.get("session")
        if session is not None and session not in sessions:
            known = ", ".join(repr(title) for title in sorted(sessions)) or "none"
            problems.append(
                Problem(f"{here}.session", f"unknown session {session!r} (the file's sessions: {known})")
            )

        index_at: dict[int, int] = {}
        for k, affiliation in enumerate(abstract["affiliations"]):
            path = f"{here}.affiliations[{k}]"
            _too_long(problems, f"{path}.name", ("affiliation", "name"), affiliation["name"])
            if not text_key(affiliation["name"]):
                problems.append(Problem(f"{path}.name", "is blank"))
            if affiliation["index"] in index_at:
                problems.append(
                    Problem(
                        f"{path}.index",
                        f"duplicate index {affiliation['index']} "
                        f"(also {here}.affiliations[{index_at[affiliation['index']]}])",
                    )
                )
            index_at.setdefault(affiliation["index"], k)
        listed = sorted(index_at)

        presenting_at = None
        identity_at: dict[tuple[str, str], int] = {}
        for j, author in enumerate(abstract["authors"]):
            path = f"{here}.authors[{j}]"
            for name in ("first_name", "last_name", "title", "email"):
                if name in author:
                    _too_long(problems, f"{path}.{name}", ("author", name), author[name])
            if not author["last_name"].strip():
                problems.append(Problem(f"{path}.last_name", "is blank"))
            if author.get("orcid") and not orcid_checksum_ok(author["orcid"]):
                problems.append(Problem(f"{path}.orcid", f"{author['orcid']!r} has a wrong check digit"))
            if author.get("email"):
                try:
                    validate_email(author["email"].strip())
                except ValidationError:
                    problems.append(Problem(f"{path}.email", f"{author['email']!r} is not an e-mail address"))
            seen_indexes: set[int] = set()
            for m, index in enumerate(author["affiliations"]):
                if index not in index_at:
                    span = f"{listed[0]}–{listed[-1]}" if listed else "none listed"
                    problems.append(
                        Problem(
                            f"{path}.affiliations[{m}]",
                            f"affiliation {index} is not in this abstract's list ({span})",
                        )
                    )
                elif index in seen_indexes:
                    problems.append(Problem(f"{path}.affiliations[{m}]", f"affiliation {index} given twice"))
                seen_indexes.add(index)
            if author.get("presenting"):
                if presenting_at is not None:
                    problems.append(
                        Problem(
                            f"{path}.presenting",
                            f"a second presenting author (the first is {here}.authors[{presenting_at}]); "
                            "an abstract has at most one",
                        )
                    )
                else:
                    presenting_at = j
            for identity in _author_identity(author):
                if identity in identity_at:
                    problems.append(
                        Problem(path, f"the same author as {here}.authors[{identity_at[identity]}]")
                    )
                    break
            for identity in _author_identity(author):
                identity_at.setdefault(identity, j)

        for k, label in enumerate(abstract["keywords"]):
            _too_long(problems, f"{here}.keywords[{k}]", ("keyword", "label"), label)
            if not text_key(label):
                problems.append(Problem(f"{here}.keywords[{k}]", "is blank"))
    return problems


def validate_exchange(data) -> None:
    """Raise ExchangeError listing every problem of ``data``, by its place in the file."""
    problems = _schema_problems(data)
    if not problems:
        problems = _semantic_problems(data)
    if problems:
        raise ExchangeError(problems)


class _PersonDirectory:
    """The people of one event, found the way the author index identifies them."""

    def __init__(self, event: Event, report: ImportReport):
        self.event = event
        self.report = report
        self.by_orcid: dict[str, Person] = {}
        self.by_email: dict[str, Person] = {}
        self.by_name: dict[str, list[Person]] = {}
        for person in event.people.all():
            self._remember(person)

    def _remember(self, person: Person) -> None:
        if person.orcid:
            self.by_orcid[person.orcid] = person
        if person.email:
            self.by_email[person.email.lower()] = person
        self.by_name.setdefault(person.name_key, [])
        if person not in self.by_name[person.name_key]:
            self.by_name[person.name_key].append(person)

    def resolve(self, author: dict, where: str) -> Person:
        orcid = author.get("orcid", "")
        email = author.get("email", "").strip()
        title = author.get("title", "").strip()
        person = self.by_orcid.get(orcid) if orcid else None
        if person is None and email:
            person = self.by_email.get(email.lower())
        if person is None:
            name_key = text_key(f"{author.get('first_name', '')} {author['last_name']}")
            for candidate in self.by_name.get(name_key, []):
                if candidate.orcid in ("", orcid) and candidate.email.lower() in (
                    "",
                    email.lower(),
                ):
                    person = candidate
                    break
        if person is None:
            person = Person.objects.create(
                event=self.event,
                first_name=author.get("first_name", "").strip(),
                last_name=author["last_name"].strip(),
                title=title,
                email=email,
                orcid=orcid,
            )
            self.report.people_created += 1
        else:
            changed = []
            if title and not person.title:
                person.title, changed = title, [*changed, "title"]
            elif title and title != person.title:
                self.report.warnings.append(
                    f"{where}: {person.full_name} is kept as {person.title!r}, not {title!r} "
                    "(one academic title per person)"
                )
            if email and not person.email and email.lower() not in self.by_email:
                person.email, changed = email, [*changed, "email"]
            if orcid and not person.orcid and orcid not in self.by_orcid:
                person.orcid, changed = orcid, [*changed, "orcid"]
            if changed:
                person.save(update_fields=[*changed, "name_key"])
        self._remember(person)
        return person


class _Lookup:
    """Affiliations or keywords of one event by their normalised text, created on first use."""

    def __init__(self, model, event: Event, text_field: str):
        self.model, self.event, self.text_field = model, event, text_field
        self.by_key = {item.key: item for item in model.objects.filter(event=event)}

    def get(self, text: str):
        key = text_key(text)
        item = self.by_key.get(key)
        if item is None:
            item = self.model.objects.create(event=self.event, **{self.text_field: text.strip()})
            self.by_key[key] = item
        return item


def _event_for(data: dict, slug: str | None) -> tuple[Event, bool]:
    info = data["event"]
    slug = slug or info.get("slug") or slugify(info.get("short_name") or info["name"])[:100]
    event = Event.objects.filter(slug=slug).first()
    created = event is None
    if created:
        event = Event(slug=slug)
    event.name = info["name"]
    event.short_name = info.get("short_name", "")
    event.start_date = date.fromisoformat(info["start_date"])
    event.end_date = date.fromisoformat(info["end_date"]) if info.get("end_date") else None
    event.venue = info.get("venue", "")
    event.full_clean(exclude=["slug"] if not created else None)
    event.save()
    return event, created


def import_event(data: dict, *, slug: str | None = None, publish: bool = False) -> ImportReport:
    """Create or update an event from exchange data, all or nothing.

    Raises ExchangeError (nothing written) when the data is malformed.
    """
    validate_exchange(data)
    try:
        with transaction.atomic():
            return _import(data, slug=slug, publish=publish)
    except ValidationError as error:
        raise ExchangeError([Problem("event", "; ".join(error.messages))]) from None


def _import(data: dict, *, slug: str | None, publish: bool) -> ImportReport:
    event, created = _event_for(data, slug)
    if publish and not event.is_published:
        event.is_published = True
        event.save(update_fields=["is_published"])
    report = ImportReport(event=event, event_created=created)

    sessions = {text_key(session.title): session for session in event.sessions.all()}
    for item in data["sessions"]:
        session = sessions.get(text_key(item["title"]))
        if session is None:
            session = Session(event=event)
        session.title, session.order = item["title"], item["order"]
        session.save()
        sessions[text_key(item["title"])] = session

    people = _PersonDirectory(event, report)
    affiliations = _Lookup(Affiliation, event, "name")
    keywords = _Lookup(Keyword, event, "label")
    existing = list(event.abstracts.all())
    by_code = {abstract.code: abstract for abstract in existing if abstract.code}
    by_title = {text_key(abstract.title): abstract for abstract in existing if not abstract.code}
    touched: set[int] = set()

    for i, item in enumerate(data["abstracts"]):
        code = (item.get("code") or "").strip()
        abstract = by_code.get(code) if code else by_title.get(text_key(item["title"]))
        if abstract is None or abstract.pk in touched:
            abstract = Abstract(event=event)
            report.abstracts_created += 1
        else:
            report.abstracts_updated += 1
        session = item.get("session")
        abstract.session = sessions[text_key(session)] if session is not None else None
        abstract.code = code
        abstract.code_sort = code_sort_key(code)
        abstract.order = item.get("order")
        abstract.status = item.get("status", Abstract.Status.ACCEPTED)
        abstract.title = item["title"].strip()
        abstract.text = item["text"].strip()
        abstract.note = item.get("note", "").strip()
        abstract.save()
        touched.add(abstract.pk)
        _replace_authors(abstract, item, f"abstracts[{i}]", people, affiliations, keywords)

    report.abstracts_untouched = len([a for a in existing if a.pk not in touched])
    event_changed(event.pk)
    return report


def _replace_authors(abstract, item, here, people, affiliations, keywords) -> None:
    abstract.authorships.all().delete()
    abstract.keyword_links.all().delete()
    abstract.unattached_affiliations.all().delete()

    listed = {entry["index"]: affiliations.get(entry["name"]) for entry in item["affiliations"]}
    carried: set[int] = set()
    links = []
    author_at: dict[int, int] = {}
    for j, author in enumerate(item["authors"]):
        person = people.resolve(author, f"{here}.authors[{j}]")
        if person.pk in author_at:
            # Two entries that differ in the file can still be one person: an ORCID or e-mail
            # given elsewhere in the file (or already in the event) joins them.
            raise ExchangeError(
                [
                    Problem(
                        f"{here}.authors[{j}]",
                        f"is the same person as {here}.authors[{author_at[person.pk]}] "
                        f"({person.full_name}, known by the same ORCID, e-mail or name)",
                    )
                ]
            )
        author_at[person.pk] = j
        authorship = Authorship.objects.create(
            abstract=abstract, person=person, position=j + 1, is_presenting=author.get("presenting", False)
        )
        own: list[int] = []
        for index in author["affiliations"]:
            affiliation = listed[index]
            if affiliation.pk not in own:
                own.append(affiliation.pk)
                links.append(
                    AuthorAffiliation(authorship=authorship, affiliation=affiliation, position=len(own))
                )
        carried.update(own)
    AuthorAffiliation.objects.bulk_create(links)

    unattached: list[Affiliation] = []
    for entry in sorted(item["affiliations"], key=lambda entry: entry["index"]):
        affiliation = listed[entry["index"]]
        if affiliation.pk not in carried and affiliation not in unattached:
            unattached.append(affiliation)
    UnattachedAffiliation.objects.bulk_create(
        UnattachedAffiliation(abstract=abstract, affiliation=affiliation, position=n)
        for n, affiliation in enumerate(unattached, 1)
    )

    chosen: dict[Keyword, str] = {}
    for label in item["keywords"]:
        chosen.setdefault(keywords.get(label), label.strip())
    AbstractKeyword.objects.bulk_create(
        AbstractKeyword(abstract=abstract, keyword=keyword, position=n, spelling=spelling)
        for n, (keyword, spelling) in enumerate(chosen.items(), 1)
    )


def export_event(event: Event) -> dict:
    """The event in the exchange format: drafts are private and are not exported."""
    from abstracts.selectors import printed_abstract, with_print_relations

    info = {"name": event.name}
    if event.short_name:
        info["short_name"] = event.short_name
    info["slug"] = event.slug
    info["start_date"] = event.start_date.isoformat()
    if event.end_date:
        info["end_date"] = event.end_date.isoformat()
    if event.venue:
        info["venue"] = event.venue

    abstracts = with_print_relations(event.abstracts.filter(status__in=EXPORTED_STATUSES)).order_by(
        F("order").asc(nulls_last=True), "code_sort", "pk"
    )
    exported = []
    for abstract in abstracts:
        printed = printed_abstract(abstract)
        authors = []
        for authorship, author in zip(abstract.authorships.all(), printed.authors, strict=True):
            person = authorship.person
            entry = {"first_name": person.first_name, "last_name": person.last_name}
            for name in ("title", "email", "orcid"):
                if getattr(person, name):
                    entry[name] = getattr(person, name)
            entry["affiliations"] = list(author.numbers)
            entry["presenting"] = author.is_presenting
            authors.append(entry)
        entry = {
            "code": abstract.code or None,
            "session": abstract.session.title if abstract.session else None,
        }
        if abstract.order is not None:
            entry["order"] = abstract.order
        entry.update(
            status=abstract.status,
            title=abstract.title,
            authors=authors,
            affiliations=[{"index": n, "name": name} for n, name in printed.affiliations],
        )
        if abstract.note:
            entry["note"] = abstract.note
        entry.update(text=abstract.text, keywords=list(printed.keywords))
        exported.append(entry)

    return {
        "event": info,
        "sessions": [{"title": s.title, "order": s.order} for s in event.sessions.order_by("order", "title")],
        "abstracts": exported,
    }
