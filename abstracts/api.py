"""API of abstracts, people, affiliations and keywords.

Who sees an abstract: anyone, if it is accepted and its event published; its submitter; the
organisers of its event (and superusers); reviewers, the abstracts assigned to them. Anything else
is a 404. Submitters write their own abstracts through ``abstract_save`` / ``abstract_withdraw``
(the web form's services and rules); organisers change status, session, order and code through the
programme services, which record who did it. Writes by anyone else on an abstract they can see
are a 403.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlencode

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse

from abstracts.forms import AbstractFieldsForm, AffiliationForm, AuthorForm, KeywordForm
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
from abstracts.selectors import number_affiliations, programme_order, with_print_relations
from abstracts.services import abstract_save, abstract_withdraw
from abstracts.submission import (
    MAX_AFFILIATIONS,
    MAX_AUTHORS,
    MAX_KEYWORDS,
    MAX_TEXT_CHARACTERS,
    AuthorEntry,
    SubmissionContent,
)
from abstracts.text import clean_inline, text_key
from api.conditional import conditional_response
from api.errors import Refused
from api.permissions import ORGANISER_ACTION, is_superuser, organised_event_ids, organises
from conference.api import ConditionalListMixin, SessionBriefSerializer, events_visible
from conference.models import Event
from programme.services import (
    abstract_move,
    abstract_place,
    abstracts_assign_session,
    abstracts_decide,
    poster_code_set,
)
from reviews.api import assigned_abstract_ids
from reviews.selectors import with_review_figures

MAX_ID = 2**63 - 1
ID_PATTERN = r"[0-9]{1,18}"


def abstracts_visible(request) -> QuerySet[Abstract]:
    if is_superuser(request):
        return Abstract.objects.all()
    visible = Q(event__is_published=True, status=Abstract.Status.ACCEPTED)
    if request.user.is_authenticated:
        visible |= Q(submitter=request.user) | Q(event_id__in=list(organised_event_ids(request)))
        visible |= Q(pk__in=assigned_abstract_ids(request))
    return Abstract.objects.filter(visible)


def may_see_private(request, abstract: Abstract) -> bool:
    """E-mail addresses and the preferred session: for its submitter and the event's organisers."""
    own = request.user.is_authenticated and abstract.submitter_id == request.user.pk
    return own or organises(request, abstract.event_id)


# --- Reading ----------------------------------------------------------------------------------------


class AuthorSerializer(serializers.Serializer):
    position = serializers.IntegerField(help_text="1 for the first author.")
    person = serializers.IntegerField(help_text="The person's id (see /people/).")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    title = serializers.CharField(help_text="Academic title, e.g. Dr.")
    orcid = serializers.CharField()
    email = serializers.CharField(
        allow_null=True, help_text="Only for the abstract's submitter and the event's organisers; else null."
    )
    is_presenting = serializers.BooleanField()
    affiliations = serializers.ListField(
        child=serializers.IntegerField(), help_text="The numbers of this author's affiliations, as printed."
    )


class NumberedAffiliationSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="The superscript number printed in the book.")
    id = serializers.IntegerField()
    name = serializers.CharField()


class KeywordBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()


class ReviewFiguresSerializer(serializers.Serializer):
    assigned = serializers.IntegerField(help_text="Reviewers assigned.")
    done = serializers.IntegerField(help_text="Reviews written.")
    score_mean = serializers.FloatField(allow_null=True)
    score_spread = serializers.IntegerField(allow_null=True, help_text="Highest minus lowest score.")


class InlineMarkupField(serializers.CharField):
    """Sanitised HTML, as the book prints it: <i>, <b>, <sup>, <sub>, <em>, <strong> without attributes;
    anything else escaped or removed. What the web form and the API take already is; this also holds
    for what reached the database another way (the admin), so a client may insert it as HTML."""

    def to_representation(self, value: str) -> str:
        return clean_inline(value)


@dataclass(frozen=True)
class _Printed:
    authors: list[dict]
    affiliations: list[dict]


class AbstractSerializer(serializers.ModelSerializer):
    """An abstract as the book prints it; fetch with ``with_print_relations`` (a fixed number of queries)."""

    event = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    session = SessionBriefSerializer(read_only=True, allow_null=True)
    preferred_session = serializers.SerializerMethodField(
        help_text="The session the submitter asked for: only for them and the organisers; else null."
    )
    authors = serializers.SerializerMethodField(help_text="In print order.")
    affiliations = serializers.SerializerMethodField(help_text="Numbered as printed: by first appearance.")
    keywords = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField(help_text="The abstract's page on the site.")
    reviews = serializers.SerializerMethodField(
        help_text="Review figures: for the event's organisers only; else null."
    )
    title = InlineMarkupField(read_only=True, help_text="HTML with inline markup only (sanitised).")
    text = InlineMarkupField(
        read_only=True,
        help_text="HTML with inline markup only (sanitised); paragraphs are separated by a blank line.",
    )

    class Meta:
        model = Abstract
        fields = [
            "id",
            "event",
            "status",
            "code",
            "session",
            "order",
            "title",
            "authors",
            "affiliations",
            "note",
            "text",
            "keywords",
            "preferred_session",
            "submitted_at",
            "updated_at",
            "reviews",
            "url",
            "page_url",
        ]
        read_only_fields = fields

    def _printed(self, abstract: Abstract) -> _Printed:
        cache = self.context.setdefault("_printed", {})
        if abstract.pk not in cache:
            authorships = list(abstract.authorships.all())
            numbered, numbers = number_affiliations(
                ([link.affiliation for link in a.affiliation_links.all()] for a in authorships),
                (link.affiliation for link in abstract.unattached_affiliations.all()),
            )
            private = may_see_private(self.context["request"], abstract)
            cache[abstract.pk] = _Printed(
                authors=[
                    {
                        "position": authorship.position,
                        "person": authorship.person_id,
                        "first_name": authorship.person.first_name,
                        "last_name": authorship.person.last_name,
                        "title": authorship.person.title,
                        "orcid": authorship.person.orcid,
                        "email": authorship.person.email if private else None,
                        "is_presenting": authorship.is_presenting,
                        "affiliations": list(author_numbers),
                    }
                    for authorship, author_numbers in zip(authorships, numbers, strict=True)
                ],
                affiliations=[
                    {"number": number, "id": affiliation.pk, "name": affiliation.name}
                    for number, affiliation in enumerate(numbered, 1)
                ],
            )
        return cache[abstract.pk]

    @extend_schema_field(AuthorSerializer(many=True))
    def get_authors(self, abstract: Abstract) -> list[dict]:
        return self._printed(abstract).authors

    @extend_schema_field(NumberedAffiliationSerializer(many=True))
    def get_affiliations(self, abstract: Abstract) -> list[dict]:
        return self._printed(abstract).affiliations

    @extend_schema_field(KeywordBriefSerializer(many=True))
    def get_keywords(self, abstract: Abstract) -> list[dict]:
        return [{"id": link.keyword_id, "label": link.keyword.label} for link in abstract.keyword_links.all()]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_preferred_session(self, abstract: Abstract) -> int | None:
        return abstract.preferred_session_id if may_see_private(self.context["request"], abstract) else None

    @extend_schema_field(ReviewFiguresSerializer(allow_null=True))
    def get_reviews(self, abstract: Abstract) -> dict | None:
        if not hasattr(abstract, "score_mean") or not organises(self.context["request"], abstract.event_id):
            return None
        return {
            "assigned": abstract.reviews_assigned,
            "done": abstract.reviews_done,
            "score_mean": abstract.score_mean,
            "score_spread": abstract.score_spread,
        }

    def get_url(self, abstract: Abstract) -> str:
        return reverse("api:abstract-detail", kwargs={"pk": abstract.pk}, request=self.context["request"])

    def get_page_url(self, abstract: Abstract) -> str:
        path = f"/events/{abstract.event.slug}/abstracts/{abstract.pk}/"
        return self.context["request"].build_absolute_uri(path)


# --- Writing (submitters) -------------------------------------------------------------------------


class AuthorWriteSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150)
    title = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    orcid = serializers.CharField(max_length=19, required=False, allow_blank=True, default="")
    affiliations = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_AFFILIATIONS),
        max_length=MAX_AFFILIATIONS,
        required=False,
        default=list,
        help_text="Numbers into the abstract's `affiliations` list (1 is its first), in this author's order.",
    )
    is_presenting = serializers.BooleanField(required=False, default=False)


class AbstractWriteSerializer(serializers.Serializer):
    """What a submitter sends: the same content as the web form, checked by the same rules."""

    event = serializers.SlugField(max_length=100, help_text="The event's slug (on creation only).")
    title = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    text = serializers.CharField(max_length=MAX_TEXT_CHARACTERS, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    preferred_session = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None
    )
    affiliations = serializers.ListField(
        child=serializers.CharField(max_length=500),
        max_length=MAX_AFFILIATIONS,
        required=False,
        default=list,
        help_text="The affiliations, typed once each; authors refer to them by number.",
    )
    authors = AuthorWriteSerializer(many=True, required=False, default=list, max_length=MAX_AUTHORS)
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=200), max_length=MAX_KEYWORDS, required=False, default=list
    )
    submit = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Submit it too (it must then be complete); otherwise a draft is saved. "
        "A submitted abstract stays submitted and complete.",
    )

    def validate(self, data: dict) -> dict:
        """The web form's own field checks (lengths, e-mail, ORCID check digit, the event's sessions)."""
        event: Event = self.context["event"]
        errors: dict = {}
        fields_form = AbstractFieldsForm(
            {
                "abstract-title": data["title"],
                "abstract-text": data["text"],
                "abstract-note": data["note"],
                "abstract-preferred_session": data["preferred_session"] or "",
            },
            event=event,
            prefix="abstract",
        )
        if not fields_form.is_valid():
            errors.update(fields_form.errors)
        elif data["preferred_session"] is not None and "preferred_session" not in fields_form.fields:
            errors["preferred_session"] = ["This event has no sessions."]
        affiliation_errors = {}
        for index, name in enumerate(data["affiliations"]):
            form = AffiliationForm({"name": name})
            if not form.is_valid() or not name.strip():
                affiliation_errors[str(index)] = form.errors.get("name", ["Type the affiliation's name."])
        if affiliation_errors:
            errors["affiliations"] = affiliation_errors
        author_errors = {}
        choices = [(str(number), str(number)) for number in range(1, len(data["affiliations"]) + 1)]
        authors = []
        for index, author in enumerate(data["authors"]):
            form = AuthorForm(
                {**author, "affiliations": [str(n) for n in author["affiliations"]]},
                affiliation_choices=choices,
            )
            if form.is_valid():
                authors.append(
                    {**author, "email": form.cleaned_data["email"], "orcid": form.cleaned_data["orcid"]}
                )
            else:
                author_errors[str(index)] = {
                    field: [
                        f"No affiliation {n} in the list." for n in author["affiliations"] if n > len(choices)
                    ]
                    or messages
                    if field == "affiliations"
                    else messages
                    for field, messages in form.errors.items()
                }
        if author_errors:
            errors["authors"] = author_errors
        for index, label in enumerate(data["keywords"]):
            form = KeywordForm({"label": label})
            if not form.is_valid() or not label.strip():
                messages = form.errors.get("label", ["Type the keyword, or leave it out."])
                errors.setdefault("keywords", {})[str(index)] = messages
        if errors:
            raise serializers.ValidationError(errors)
        data["authors"] = authors
        return data

    def content(self) -> SubmissionContent:
        data = self.validated_data
        names = [" ".join(name.split()) for name in data["affiliations"]]
        used = {number for author in data["authors"] for number in author["affiliations"]}
        return SubmissionContent(
            title=data["title"],
            text=data["text"],
            note=data["note"],
            preferred_session_id=data["preferred_session"],
            authors=tuple(
                AuthorEntry(
                    first_name=author["first_name"],
                    last_name=author["last_name"],
                    title=author["title"],
                    email=author["email"],
                    orcid=author["orcid"],
                    affiliations=tuple(names[number - 1] for number in dict.fromkeys(author["affiliations"])),
                    is_presenting=author["is_presenting"],
                )
                for author in data["authors"]
            ),
            keywords=tuple(data["keywords"]),
            loose_affiliations=tuple(name for number, name in enumerate(names, 1) if number not in used),
        )


def stored_content(abstract: Abstract) -> dict:
    """The stored abstract in the write shape (fetched with ``with_print_relations``): what PATCH
    starts from and what "submit" sends again."""
    authorships = list(abstract.authorships.all())
    numbered, numbers = number_affiliations(
        ([link.affiliation for link in a.affiliation_links.all()] for a in authorships),
        (link.affiliation for link in abstract.unattached_affiliations.all()),
    )
    return {
        "event": abstract.event.slug,
        "title": abstract.title,
        "text": abstract.text,
        "note": abstract.note,
        "preferred_session": abstract.preferred_session_id,
        "affiliations": [affiliation.name for affiliation in numbered],
        "authors": [
            {
                "first_name": authorship.person.first_name,
                "last_name": authorship.person.last_name,
                "title": authorship.person.title,
                "email": authorship.person.email,
                "orcid": authorship.person.orcid,
                "affiliations": list(author_numbers),
                "is_presenting": authorship.is_presenting,
            }
            for authorship, author_numbers in zip(authorships, numbers, strict=True)
        ],
        "keywords": [link.spelling or link.keyword.label for link in abstract.keyword_links.all()],
    }


# --- Organisers' changes ------------------------------------------------------------------------------


class DecisionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[Abstract.Status.ACCEPTED, Abstract.Status.REJECTED])


class PlacementSerializer(serializers.Serializer):
    session = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, allow_null=True, help_text="A session of the event, or null for none."
    )


class MoveSerializer(serializers.Serializer):
    """One of: ``step``, or the abstract to put it ``before`` or ``after`` (of the same session)."""

    step = serializers.IntegerField(
        min_value=-10000,
        max_value=10000,
        required=False,
        help_text="Places to move within its session: negative is earlier in the book, positive later.",
    )
    before = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="Put it just before this abstract."
    )
    after = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="Put it just after this abstract."
    )

    def validate(self, data: dict) -> dict:
        if len(data) != 1:
            raise serializers.ValidationError("Give one of step, before or after.")
        return data


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=40,
        allow_blank=True,
        trim_whitespace=True,
        help_text="Unique in the event; empty clears it.",
    )


# --- Querying -------------------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.Filter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "string", "pattern": r"^([0-9]{1,18}|none)$"})
class SessionFilter(django_filters.CharFilter):
    """A session id, or ``none`` for the abstracts in no session."""


class AbstractOrdering(django_filters.OrderingFilter):
    """Orderings with a fixed tie-break, so pages never overlap; without one, the book's order."""

    def filter(self, queryset, value):
        if not value:
            return programme_order(queryset)
        if any(param.lstrip("-") == "score" for param in value):
            self._check_score_allowed()
        fields = [self.get_ordering_value(param) for param in value]
        return queryset.order_by(*fields, "pk")

    def _check_score_allowed(self) -> None:
        """Scores are the organisers': ordering by them is only within an event one organises."""
        request = self.parent.request
        slug = self.parent.form.cleaned_data.get("event")
        event = Event.objects.filter(slug=slug).only("pk").first() if slug else None
        if event is None or not organises(request, event.pk):
            raise exceptions.ValidationError(
                {
                    "ordering": [
                        "Ordering by score is for organisers: filter by an event you organise (event=…)."
                    ]
                }
            )


def _search_terms(value: str) -> list[str]:
    return value.split()[:10]


class AbstractFilter(django_filters.FilterSet):
    event = django_filters.CharFilter(field_name="event__slug", label="The event's slug.")
    session = SessionFilter(method="filter_session", label="A session id, or `none`.")
    status = django_filters.MultipleChoiceFilter(choices=Abstract.Status.choices)
    keyword = django_filters.CharFilter(
        method="filter_keyword", max_length=200, label="A keyword, in any case and spacing."
    )
    author = IdFilter(method="filter_author", label="A person's id: their abstracts.")
    affiliation = IdFilter(method="filter_affiliation", label="An affiliation's id.")
    code = django_filters.CharFilter(field_name="code", lookup_expr="iexact", max_length=40)
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=200,
        label="Words that must each appear in the title, the text or an author's name.",
    )
    ordering = AbstractOrdering(
        fields=(
            ("code_sort", "code"),
            ("title", "title"),
            ("submitted_at", "submitted_at"),
            ("score_mean", "score"),
        ),
        label="code (natural order: PS2 before PS10), title, submitted_at, or score (the mean review "
        "score: organisers, within their event); - for descending. Without it: the book's order.",
    )

    class Meta:
        model = Abstract
        fields = ["event", "session", "status", "keyword", "author", "affiliation", "code", "search"]

    def filter_session(self, queryset, name, value):
        if value == "none":
            return queryset.filter(session__isnull=True)
        if not value.isdigit() or len(value) > 18:
            raise exceptions.ValidationError({"session": ["Give a session id or “none”."]})
        return queryset.filter(session_id=int(value))

    def filter_keyword(self, queryset, name, value):
        links = AbstractKeyword.objects.filter(keyword__key=text_key(value)).values("abstract_id")
        return queryset.filter(pk__in=links)

    def filter_author(self, queryset, name, value):
        return queryset.filter(pk__in=Authorship.objects.filter(person_id=value).values("abstract_id"))

    def filter_affiliation(self, queryset, name, value):
        carried = AuthorAffiliation.objects.filter(affiliation_id=value).values("authorship__abstract_id")
        listed = UnattachedAffiliation.objects.filter(affiliation_id=value).values("abstract_id")
        return queryset.filter(Q(pk__in=carried) | Q(pk__in=listed))

    def filter_search(self, queryset, name, value):
        for term in _search_terms(value):
            named = Authorship.objects.filter(
                Q(person__first_name__icontains=term) | Q(person__last_name__icontains=term)
            ).values("abstract_id")
            queryset = queryset.filter(Q(title__icontains=term) | Q(text__icontains=term) | Q(pk__in=named))
        return queryset


# --- The viewset ------------------------------------------------------------------------------------------

_READ_ONLY = "Anyone may read what they can see (accepted abstracts of published events; their own; "
_READ_ONLY += "all of the events they organise; those assigned to them for review)."
_SUBMITTER = "Submitters only, on their own abstracts, while the call is open; 403 for anyone else who "
_SUBMITTER += "can see the abstract. The web form's rules apply; problems come back as field errors."
_ORGANISER = "Organisers of the abstract's event only (403 for others who can see it); recorded in the "
_ORGANISER += "audit trail with your name."


@extend_schema_view(
    list=extend_schema(summary="Abstracts", description=_READ_ONLY),
    retrieve=extend_schema(summary="One abstract", description=_READ_ONLY + " Anything else is a 404."),
    create=extend_schema(
        summary="Create (and optionally submit) an abstract",
        description="Any signed-in user, in a visible event whose call is open. " + _SUBMITTER,
        request=AbstractWriteSerializer,
        responses={201: AbstractSerializer},
    ),
    update=extend_schema(
        summary="Replace an abstract's content",
        description=_SUBMITTER,
        request=AbstractWriteSerializer,
        responses={200: AbstractSerializer},
    ),
    partial_update=extend_schema(
        summary="Change some of an abstract's content",
        description=_SUBMITTER + " Fields left out keep their stored value.",
        request=AbstractWriteSerializer,
        responses={200: AbstractSerializer},
    ),
)
class AbstractViewSet(
    ConditionalListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = AbstractSerializer
    filterset_class = AbstractFilter
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> QuerySet[Abstract]:
        abstracts = with_print_relations(abstracts_visible(self.request))
        if is_superuser(self.request) or organised_event_ids(self.request):
            abstracts = with_review_figures(abstracts)  # subqueries in the same query: no query more
        return abstracts

    def retrieve(self, request, *args, **kwargs):
        abstract = self.get_object()
        return conditional_response(
            request,
            state=(abstract.pk, abstract.updated_at, abstract.event.revision),
            last_modified=abstract.updated_at,
            respond=lambda: Response(self.get_serializer(abstract).data),
        )

    def _respond(self, abstract_id: int, code: int = status.HTTP_200_OK) -> Response:
        abstract = with_print_relations(Abstract.objects).get(pk=abstract_id)
        return Response(self.get_serializer(abstract).data, status=code)

    def _own(self) -> Abstract:
        abstract = self.get_object()
        if abstract.submitter_id != self.request.user.pk:
            raise exceptions.PermissionDenied("Only its submitter can change an abstract's content.")
        return abstract

    def _save(self, *, data: dict, event: Event, abstract: Abstract | None) -> Abstract:
        body = AbstractWriteSerializer(data=data, context={"request": self.request, "event": event})
        body.is_valid(raise_exception=True)
        return abstract_save(
            event=event,
            submitter=self.request.user,
            content=body.content(),
            abstract_id=abstract.pk if abstract else None,
            submit=body.validated_data["submit"],
        )

    def create(self, request, *args, **kwargs):
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["Send a JSON object."]})
        slug = request.data.get("event")
        # Only what can be a slug reaches the query (PostgreSQL refuses a NUL in it with an error).
        is_slug = isinstance(slug, str) and re.fullmatch(r"[-a-zA-Z0-9_]{1,100}", slug)
        event = events_visible(request).filter(slug=slug).first() if is_slug else None
        if event is None:
            raise exceptions.ValidationError({"event": ["No such event."]})
        abstract = self._save(data=request.data, event=event, abstract=None)
        return self._respond(abstract.pk, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        abstract = self._own()
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["Send a JSON object."]})
        stored = stored_content(abstract)
        data = {**stored, **request.data} if kwargs.get("partial") else {**request.data}
        data["event"] = stored["event"]  # an abstract stays in its event
        self._save(data=data, event=abstract.event, abstract=abstract)
        return self._respond(abstract.pk)

    @extend_schema(
        summary="Submit a draft",
        description=_SUBMITTER + " Submits the stored content; it must be complete.",
        request=None,
        responses={200: AbstractSerializer},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        abstract = self._own()
        self._save(data={**stored_content(abstract), "submit": True}, event=abstract.event, abstract=abstract)
        return self._respond(abstract.pk)

    @extend_schema(
        summary="Withdraw an abstract",
        description="Its submitter only (403 for others who can see it); possible until it is rejected.",
        request=None,
        responses={200: AbstractSerializer},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        abstract = self.get_object()
        if abstract.submitter_id != request.user.pk:
            raise exceptions.PermissionDenied("Only its submitter can withdraw an abstract.")
        abstract_withdraw(abstract_id=abstract.pk, submitter=request.user)
        return self._respond(abstract.pk)

    @extend_schema(
        summary="Accept or reject",
        description=_ORGANISER + " Drafts and withdrawn abstracts cannot be decided (400, `refused`).",
        request=DecisionSerializer,
        responses={200: AbstractSerializer},
    )
    @action(detail=True, methods=["post"], permission_classes=ORGANISER_ACTION)
    def decide(self, request, pk=None):
        abstract = self.get_object()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        wanted = body.validated_data["status"]
        changed = abstracts_decide(
            event=abstract.event, abstract_ids=[abstract.pk], status=wanted, actor=request.user
        )
        if not changed and abstract.status != wanted:
            raise Refused(f"This abstract is {abstract.get_status_display().lower()}; it cannot be decided.")
        return self._respond(abstract.pk)

    @extend_schema(
        summary="Put in a session",
        description=_ORGANISER + " It goes to the end of the session.",
        request=PlacementSerializer,
        responses={200: AbstractSerializer},
    )
    @action(detail=True, methods=["post"], permission_classes=ORGANISER_ACTION)
    def place(self, request, pk=None):
        abstract = self.get_object()
        body = PlacementSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        abstracts_assign_session(
            event=abstract.event,
            abstract_ids=[abstract.pk],
            session_id=body.validated_data["session"],
            actor=request.user,
        )
        return self._respond(abstract.pk)

    @extend_schema(
        summary="Move within its session",
        description=_ORGANISER + " By a number of places, or next to another abstract of its session. "
        "The book follows this order.",
        request=MoveSerializer,
        responses={200: AbstractSerializer},
    )
    @action(detail=True, methods=["post"], permission_classes=ORGANISER_ACTION)
    def move(self, request, pk=None):
        abstract = self.get_object()
        body = MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        where = body.validated_data
        if "step" in where:
            abstract_move(
                event=abstract.event, abstract_id=abstract.pk, step=where["step"], actor=request.user
            )
        else:
            abstract_place(
                event=abstract.event,
                abstract_id=abstract.pk,
                next_to_id=where.get("before") or where["after"],
                after="after" in where,
                actor=request.user,
            )
        return self._respond(abstract.pk)

    @extend_schema(
        summary="Set the poster code",
        description=_ORGANISER + " Refused (400, `refused`) while the codes are locked or when another "
        "abstract of the event has the code.",
        request=CodeSerializer,
        responses={200: AbstractSerializer},
    )
    @action(detail=True, methods=["post"], permission_classes=ORGANISER_ACTION)
    def code(self, request, pk=None):
        abstract = self.get_object()
        body = CodeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        poster_code_set(
            event=abstract.event,
            abstract_id=abstract.pk,
            code=body.validated_data["code"],
            actor=request.user,
        )
        return self._respond(abstract.pk)


# --- People, affiliations, keywords ---------------------------------------------------------------------


class EventScopedFilter(django_filters.FilterSet):
    event = django_filters.CharFilter(field_name="event__slug", label="The event's slug.")


def _linked_to_visible(request, model, link: str) -> QuerySet:
    """Rows of ``model`` used by an abstract the user can see, and all rows of the events they organise."""
    if is_superuser(request):
        return model.objects.all()
    rows = model.objects.filter(**{f"{link}__in": abstracts_visible(request).values("pk")})
    organised = list(organised_event_ids(request))
    if organised:
        return model.objects.filter(Q(pk__in=rows.values("pk")) | Q(event_id__in=organised))
    return model.objects.filter(pk__in=rows.values("pk"))


class PersonSerializer(serializers.ModelSerializer):
    event = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    email = serializers.SerializerMethodField(help_text="Only for the event's organisers; else null.")
    abstracts_url = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = ["id", "event", "first_name", "last_name", "title", "orcid", "email", "abstracts_url"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_email(self, person: Person) -> str | None:
        return person.email if organises(self.context["request"], person.event_id) else None

    def get_abstracts_url(self, person: Person) -> str:
        return f"{reverse('api:abstract-list', request=self.context['request'])}?author={person.pk}"


class PersonFilter(EventScopedFilter):
    search = django_filters.CharFilter(method="filter_search", max_length=200, label="Part of the name.")

    class Meta:
        model = Person
        fields = ["event"]

    def filter_search(self, queryset, name, value):
        for term in _search_terms(value):
            queryset = queryset.filter(Q(first_name__icontains=term) | Q(last_name__icontains=term))
        return queryset


_LINKED = "{what} of the abstracts you can see, and all of the events you organise."


@extend_schema_view(
    list=extend_schema(summary="People (authors)", description=_LINKED.format(what="Authors")),
    retrieve=extend_schema(summary="One person", description="404 unless listed for you."),
)
class PersonViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> QuerySet[Person]:
        people = _linked_to_visible(self.request, Person, "authorships__abstract")
        return people.select_related("event").order_by("event_id", "last_name", "first_name", "pk")


class AffiliationSerializer(serializers.ModelSerializer):
    event = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    abstracts_url = serializers.SerializerMethodField()

    class Meta:
        model = Affiliation
        fields = ["id", "event", "name", "abstracts_url"]
        read_only_fields = fields

    def get_abstracts_url(self, affiliation: Affiliation) -> str:
        return f"{reverse('api:abstract-list', request=self.context['request'])}?affiliation={affiliation.pk}"


class AffiliationFilter(EventScopedFilter):
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200)

    class Meta:
        model = Affiliation
        fields = ["event"]


@extend_schema_view(
    list=extend_schema(summary="Affiliations", description=_LINKED.format(what="Affiliations")),
    retrieve=extend_schema(summary="One affiliation", description="404 unless listed for you."),
)
class AffiliationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AffiliationSerializer
    filterset_class = AffiliationFilter
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> QuerySet[Affiliation]:
        visible = _linked_to_visible(self.request, Affiliation, "authorships__abstract")
        listed = Affiliation.objects.filter(
            unattached_links__abstract__in=abstracts_visible(self.request).values("pk")
        ).values("pk")
        return (
            Affiliation.objects.filter(Q(pk__in=visible.values("pk")) | Q(pk__in=listed))
            .select_related("event")
            .order_by("event_id", "name", "pk")
        )


class KeywordSerializer(serializers.ModelSerializer):
    event = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    abstracts_url = serializers.SerializerMethodField()

    class Meta:
        model = Keyword
        fields = ["id", "event", "label", "abstracts_url"]
        read_only_fields = fields

    def get_abstracts_url(self, keyword: Keyword) -> str:
        url = reverse("api:abstract-list", request=self.context["request"])
        return f"{url}?{urlencode({'event': keyword.event.slug, 'keyword': keyword.label})}"


class KeywordFilter(EventScopedFilter):
    search = django_filters.CharFilter(field_name="label", lookup_expr="icontains", max_length=200)

    class Meta:
        model = Keyword
        fields = ["event"]


@extend_schema_view(
    list=extend_schema(summary="Keywords", description=_LINKED.format(what="Keywords")),
    retrieve=extend_schema(summary="One keyword", description="404 unless listed for you."),
)
class KeywordViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = KeywordSerializer
    filterset_class = KeywordFilter
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> QuerySet[Keyword]:
        keywords = _linked_to_visible(self.request, Keyword, "abstracts")
        return keywords.select_related("event").order_by("event_id", "key", "pk")
