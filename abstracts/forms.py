"""The submission form: the abstract's fields and three formsets (affiliations, authors, keywords).

It works without JavaScript (plain formsets: positions typed as numbers, rows removed with
a tick, a presenting-author radio button per row); ``static/abstracts/submission.js`` makes
it pleasant on top. Authors tick affiliations by their row in the affiliations list, so an
affiliation is typed once and carried by any number of authors.
"""

from django import forms

from abstracts.models import Abstract
from abstracts.selectors import number_affiliations
from abstracts.submission import (
    MAX_AFFILIATIONS,
    MAX_AUTHORS,
    MAX_KEYWORDS,
    MAX_TEXT_CHARACTERS,
    AuthorEntry,
    SubmissionContent,
)
from abstracts.validators import validate_orcid
from conference.models import Event


class AbstractFieldsForm(forms.Form):
    title = forms.CharField(
        max_length=500, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    note = forms.CharField(
        max_length=500,
        required=False,
        label="Note",
        help_text="Optional, printed after the authors, e.g. “On behalf of the XYZ consortium”.",
    )
    text = forms.CharField(
        max_length=MAX_TEXT_CHARACTERS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Separate paragraphs with a blank line. Allowed markup: <i>italics</i>, <b>bold</b>, "
        "CO<sub>2</sub>, 10<sup>20</sup>.",
    )
    preferred_session = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Choose a session…", label="Preferred session"
    )

    def __init__(self, *args, event: Event, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preferred_session"].queryset = event.sessions.all()
        self.fields["text"].help_text += f" At most {event.word_limit} words."
        self.fields["text"].widget.attrs["data-word-limit"] = event.word_limit
        if not event.sessions.exists():
            del self.fields["preferred_session"]


class AffiliationForm(forms.Form):
    name = forms.CharField(
        max_length=500,
        required=False,
        label="Affiliation",
        widget=forms.TextInput(attrs={"list": "known-affiliations", "autocomplete": "off"}),
    )


class AuthorForm(forms.Form):
    first_name = forms.CharField(max_length=150, required=False, label="First name")
    last_name = forms.CharField(
        max_length=150, label="Last name", error_messages={"required": "Give the author's last name."}
    )
    title = forms.CharField(
        max_length=60,
        required=False,
        label="Academic title",
        widget=forms.TextInput(attrs={"placeholder": "Dr., Prof. …"}),
    )
    email = forms.EmailField(
        max_length=254,
        required=False,
        label="E-mail",
        error_messages={"invalid": "This is not an e-mail address."},
    )
    orcid = forms.CharField(
        max_length=19,
        required=False,
        label="ORCID iD",
        widget=forms.TextInput(attrs={"placeholder": "0000-0000-0000-0000", "inputmode": "text"}),
    )
    affiliations = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Affiliations"
    )

    def __init__(self, *args, affiliation_choices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["affiliations"].choices = affiliation_choices

    def clean_orcid(self) -> str:
        value = self.cleaned_data["orcid"].strip().upper()
        if value and len(value) == 16 and value.isalnum():
            value = "-".join(value[i : i + 4] for i in range(0, 16, 4))
        if value:
            validate_orcid(value)
        return value

    def has_changed(self) -> bool:
        # The position is set on every row by the page's script: a blank row is still blank.
        return bool(set(self.changed_data) - {"ORDER"})


class KeywordForm(forms.Form):
    label = forms.CharField(
        max_length=200,
        required=False,
        label="Keyword",
        widget=forms.TextInput(attrs={"list": "known-keywords", "autocomplete": "off"}),
    )


AffiliationFormSet = forms.formset_factory(
    AffiliationForm, extra=0, can_delete=True, max_num=MAX_AFFILIATIONS, absolute_max=MAX_AFFILIATIONS
)
AuthorFormSet = forms.formset_factory(
    AuthorForm, extra=0, can_delete=True, can_order=True, max_num=MAX_AUTHORS, absolute_max=MAX_AUTHORS
)
KeywordFormSet = forms.formset_factory(
    KeywordForm, extra=0, can_delete=True, max_num=MAX_KEYWORDS, absolute_max=MAX_KEYWORDS
)


def _too_many(what: str) -> dict[str, str]:
    """The formset's message when more rows are sent than it takes (Django's says "forms")."""
    return {"too_many_forms": f"At most %(num)d {what} can be listed; remove some."}


class SubmissionForm:
    """The abstract's fields and the three formsets, read and shown together."""

    def __init__(self, event: Event, data=None, initial: dict | None = None) -> None:
        initial = initial or {}
        self.event = event
        self.bound = data is not None
        self.fields = AbstractFieldsForm(data, initial=initial.get("fields"), event=event, prefix="abstract")
        affiliations = initial.get("affiliations", [])
        authors = initial.get("authors", [])
        keywords = initial.get("keywords", [])
        self.affiliations = AffiliationFormSet(
            data,
            initial=affiliations,
            prefix="affiliation",
            form_kwargs={},
            error_messages=_too_many("affiliations"),
        )
        self.affiliations.extra = 0 if self.bound else max(1, 3 - len(affiliations))
        names = [
            (
                self.affiliations.data.get(f"affiliation-{i}-name", "")
                if self.bound
                else form.initial.get("name", "")
            )
            for i, form in enumerate(self.affiliations.forms)
        ]
        choices = [(str(i), name or f"Affiliation {i + 1} (not typed yet)") for i, name in enumerate(names)]
        self.authors = AuthorFormSet(
            data,
            initial=authors,
            prefix="author",
            form_kwargs={"affiliation_choices": choices},
            error_messages=_too_many("authors"),
        )
        self.authors.extra = 0 if self.bound else max(1, 2 - len(authors))
        self.keywords = KeywordFormSet(
            data, initial=keywords, prefix="keyword", error_messages=_too_many("keywords")
        )
        self.keywords.extra = 0 if self.bound else max(1, 3 - len(keywords))
        self.presenting = (data.get("presenting", "") if self.bound else initial.get("presenting", "0")) or ""
        self.section_errors: dict[str, list[str]] = {}
        self._kept_authors: list[AuthorForm] = []

    def author_rows(self) -> list[tuple[int, AuthorForm]]:
        """(index, form) in the order the authors were put in: a page sent back shows that order."""

        def position(item: tuple[int, AuthorForm]) -> tuple[int, int]:
            index, form = item
            value = form["ORDER"].value()
            try:
                return int(value), index
            except (TypeError, ValueError):
                return 10**6, index

        return sorted(enumerate(self.authors.forms), key=position)

    def is_valid(self) -> bool:
        return all(
            [
                self.fields.is_valid(),
                self.affiliations.is_valid(),
                self.authors.is_valid(),
                self.keywords.is_valid(),
            ]
        )

    def content(self) -> SubmissionContent:
        """The typed content, in print order, from valid forms."""
        names: dict[int, str] = {}
        for index, form in enumerate(self.affiliations.forms):
            name = form.cleaned_data.get("name", "").strip()
            if name and not form.cleaned_data.get("DELETE"):
                names[index] = name
        kept = [
            (form.cleaned_data.get("ORDER") or 10**6, index, form)
            for index, form in enumerate(self.authors.forms)
            if form.has_changed() and not form.cleaned_data.get("DELETE")
        ]
        kept.sort(key=lambda item: (item[0], item[1]))
        self._kept_authors = [form for _order, _index, form in kept]
        authors = []
        used = set()
        for _order, index, form in kept:
            ticked = sorted(int(value) for value in form.cleaned_data.get("affiliations", []))
            used.update(ticked)
            authors.append(
                AuthorEntry(
                    first_name=form.cleaned_data.get("first_name", ""),
                    last_name=form.cleaned_data.get("last_name", ""),
                    title=form.cleaned_data.get("title", ""),
                    email=form.cleaned_data.get("email", ""),
                    orcid=form.cleaned_data.get("orcid", ""),
                    affiliations=tuple(names[i] for i in ticked if i in names),
                    is_presenting=self.presenting == str(index),
                )
            )
        keywords = tuple(
            form.cleaned_data["label"].strip()
            for form in self.keywords.forms
            if form.cleaned_data.get("label", "").strip() and not form.cleaned_data.get("DELETE")
        )
        session = self.fields.cleaned_data.get("preferred_session")
        return SubmissionContent(
            title=self.fields.cleaned_data.get("title", ""),
            text=self.fields.cleaned_data.get("text", ""),
            note=self.fields.cleaned_data.get("note", ""),
            preferred_session_id=session.pk if session else None,
            authors=tuple(authors),
            keywords=keywords,
            loose_affiliations=tuple(name for index, name in names.items() if index not in used),
        )

    def add_problems(self, problems: dict[str, list[str]]) -> None:
        """Put the services' messages next to the fields they are about."""
        for where, messages in problems.items():
            for message in messages:
                if where in self.fields.fields:
                    self.fields.add_error(where, message)
                elif (
                    where.startswith("author-")
                    and where[7:].isdigit()
                    and int(where[7:]) <= len(self._kept_authors)
                ):
                    self._kept_authors[int(where[7:]) - 1].add_error(None, message)
                else:
                    self.section_errors.setdefault(where, []).append(message)

    def error_list(self) -> list[tuple[str, str]]:
        """Every message with the id of the place it is shown, for the summary at the top."""
        found: list[tuple[str, str]] = []
        for name, errors in self.fields.errors.items():
            anchor = f"id_abstract-{name}" if name != "__all__" else "submission-errors"
            found += [(anchor, str(error)) for error in errors]
        for where, messages in self.section_errors.items():
            found += [(f"section-{_section_of(where)}", message) for message in messages]
        for prefix, formset in (
            ("affiliation", self.affiliations),
            ("author", self.authors),
            ("keyword", self.keywords),
        ):
            found += [(f"section-{prefix}s", str(error)) for error in formset.non_form_errors()]
            for index, form in enumerate(formset.forms):
                for name, errors in form.errors.items():
                    anchor = f"id_{prefix}-{index}-{name}" if name != "__all__" else f"{prefix}-{index}"
                    found += [(anchor, str(error)) for error in errors]
        return found


def _section_of(where: str) -> str:
    return {"presenting": "authors", "deadline": "top", "status": "top"}.get(where, where)


def initial_from_abstract(abstract: Abstract) -> dict:
    """The stored abstract as the form's initial rows (fetched with ``with_print_relations``)."""
    authorships = list(abstract.authorships.all())
    numbered, _ = number_affiliations(
        [[link.affiliation for link in authorship.affiliation_links.all()] for authorship in authorships],
        (link.affiliation for link in abstract.unattached_affiliations.all()),
    )
    index_of = {affiliation.pk: index for index, affiliation in enumerate(numbered)}
    return {
        "fields": {
            "title": abstract.title,
            "text": abstract.text,
            "note": abstract.note,
            "preferred_session": abstract.preferred_session_id,
        },
        "affiliations": [{"name": affiliation.name} for affiliation in numbered],
        "authors": [
            {
                "first_name": authorship.person.first_name,
                "last_name": authorship.person.last_name,
                "title": authorship.person.title,
                "email": authorship.person.email,
                "orcid": authorship.person.orcid,
                "affiliations": [
                    str(index_of[link.affiliation_id]) for link in authorship.affiliation_links.all()
                ],
                "ORDER": position,
            }
            for position, authorship in enumerate(authorships, 1)
        ],
        "presenting": next(
            (str(index) for index, authorship in enumerate(authorships) if authorship.is_presenting), ""
        ),
        "keywords": [{"label": link.spelling or link.keyword.label} for link in abstract.keyword_links.all()],
    }
