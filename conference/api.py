"""API of events and sessions. Who sees an event: anyone if it is published, otherwise the people
with a role in it (and superusers); an event one may not see is a 404."""

import django_filters
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse

from api.conditional import conditional_response, queryset_state
from api.permissions import ORGANISER_ACTION, event_roles, is_superuser
from conference.models import Event, Session
from programme.services import NUMBERING_POLICIES, poster_codes_assign


def events_visible(request) -> QuerySet[Event]:
    if is_superuser(request):
        return Event.objects.all()
    return Event.objects.filter(Q(is_published=True) | Q(pk__in=list(event_roles(request))))


class SessionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Session
        fields = ["id", "title", "order"]


class EventSerializer(serializers.ModelSerializer):
    call_state = serializers.SerializerMethodField(
        help_text="The call for abstracts now: none, upcoming, open or closed."
    )
    your_roles = serializers.SerializerMethodField(help_text="Your roles in this event.")
    url = serializers.SerializerMethodField()
    abstracts_url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField(help_text="The event's page on the site.")

    class Meta:
        model = Event
        fields = [
            "slug",
            "name",
            "short_name",
            "start_date",
            "end_date",
            "venue",
            "time_zone",
            "call_opens_at",
            "call_deadline",
            "call_state",
            "word_limit",
            "poster_code_pattern",
            "codes_locked",
            "is_published",
            "revision",
            "updated_at",
            "your_roles",
            "url",
            "abstracts_url",
            "page_url",
        ]
        read_only_fields = fields

    def get_call_state(self, event: Event) -> str:
        return event.call_state()

    def get_your_roles(self, event: Event) -> list[str]:
        request = self.context["request"]
        roles = set(event_roles(request).get(event.pk, ()))
        if is_superuser(request):
            roles.add("organiser")
        return sorted(roles)

    def get_url(self, event: Event) -> str:
        return reverse("api:event-detail", kwargs={"slug": event.slug}, request=self.context["request"])

    def get_abstracts_url(self, event: Event) -> str:
        url = reverse("api:abstract-list", request=self.context["request"])
        return f"{url}?event={event.slug}"

    def get_page_url(self, event: Event) -> str:
        return self.context["request"].build_absolute_uri(event.get_absolute_url())


class NumberCodesSerializer(serializers.Serializer):
    policy = serializers.ChoiceField(
        choices=list(NUMBERING_POLICIES.items()),
        default="programme",
        help_text="programme: by session in programme order; submission: in order of submission.",
    )


class ConditionalListMixin:
    """ETag/Last-Modified and 304 on the list, from the state of the filtered rows."""

    state_newest_field = "updated_at"
    state_revision_field = "event__revision"

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        state = queryset_state(
            queryset, newest_field=self.state_newest_field, revision_field=self.state_revision_field
        )
        last_modified = state[1] if self.state_newest_field == "updated_at" else None
        return conditional_response(
            request,
            state=state,
            last_modified=last_modified,
            respond=lambda: super(ConditionalListMixin, self).list(request, *args, **kwargs),
        )


class EventFilter(django_filters.FilterSet):
    call_state = django_filters.ChoiceFilter(
        choices=[("open", "open")], method="filter_call_state", label="Only events whose call is open."
    )

    class Meta:
        model = Event
        fields = ["is_published"]

    def filter_call_state(self, queryset, name, value):
        from django.utils import timezone

        now = timezone.now()
        return queryset.filter(
            Q(call_opens_at__isnull=True) | Q(call_opens_at__lte=now), call_deadline__gt=now
        )


@extend_schema_view(
    list=extend_schema(
        summary="Events you can see",
        description="Published events, and the unpublished ones in which you have a role. Anyone may read.",
    ),
    retrieve=extend_schema(
        summary="One event",
        description="Anyone may read a published event; an unpublished one is a 404 except for its "
        "organisers and reviewers.",
    ),
)
class EventViewSet(ConditionalListMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = EventSerializer
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]{1,100}"
    filterset_class = EventFilter
    state_revision_field = "revision"

    def get_queryset(self) -> QuerySet[Event]:
        return events_visible(self.request).order_by("-start_date", "name", "pk")

    def retrieve(self, request, *args, **kwargs):
        event = self.get_object()
        return conditional_response(
            request,
            state=(event.pk, event.updated_at, event.revision),
            last_modified=event.updated_at,
            respond=lambda: Response(self.get_serializer(event).data),
        )

    @extend_schema(
        summary="Number the accepted abstracts",
        description="Organisers of the event only (403 for others). Gives every accepted abstract a poster "
        "code from the event's pattern, 1, 2, 3 … in the order of the policy; codes of abstracts that are "
        "not accepted are cleared. Refused (400, code `refused`) while the codes are locked. Recorded in "
        "the audit trail.",
        request=NumberCodesSerializer,
        responses={200: inline_serializer("NumberedCodes", {"numbered": serializers.IntegerField()})},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="number-codes",
        permission_classes=ORGANISER_ACTION,
    )
    def number_codes(self, request, slug=None):
        event = self.get_object()
        body = NumberCodesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        numbered = poster_codes_assign(event=event, policy=body.validated_data["policy"], actor=request.user)
        return Response({"numbered": numbered}, status=status.HTTP_200_OK)


class SessionSerializer(serializers.ModelSerializer):
    event = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Session
        fields = ["id", "event", "title", "order"]
        read_only_fields = fields


class SessionFilter(django_filters.FilterSet):
    event = django_filters.CharFilter(field_name="event__slug", label="The event's slug.")

    class Meta:
        model = Session
        fields = ["event"]


@extend_schema_view(
    list=extend_schema(summary="Sessions", description="The sessions of the events you can see."),
    retrieve=extend_schema(summary="One session", description="404 if you cannot see its event."),
)
class SessionViewSet(
    ConditionalListMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    serializer_class = SessionSerializer
    filterset_class = SessionFilter
    lookup_value_regex = r"[0-9]{1,18}"
    state_newest_field = "pk"

    def get_queryset(self) -> QuerySet[Session]:
        return (
            Session.objects.filter(event__in=events_visible(self.request))
            .select_related("event")
            .order_by("event__start_date", "event_id", "order", "title")
        )
