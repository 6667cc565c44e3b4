"""API of book builds: their status, timestamps, page count and PDF; organisers ask for a rebuild.

Whoever can see an event sees its successful builds that still have their PDF; the event's
organisers see every build, with its errors, and may queue a new one.
"""

import django_filters
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse

from api.permissions import is_superuser, organised_event_ids, organises
from books.models import BookBuild
from books.services import book_build_request
from conference.api import events_visible


class PdfRenderer(renderers.BaseRenderer):
    """Lets ``Accept: application/pdf`` through to the PDF (a file response, rendered by no one)."""

    media_type = "application/pdf"
    format = "pdf"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        # Only errors come here: they stay JSON, whatever was asked for.
        return renderers.JSONRenderer().render(data)


def builds_visible(request) -> QuerySet[BookBuild]:
    if is_superuser(request):
        return BookBuild.objects.all()
    published = Q(event__in=events_visible(request), status=BookBuild.Status.SUCCEEDED) & ~Q(pdf="")
    return BookBuild.objects.filter(published | Q(event_id__in=list(organised_event_ids(request))))


class BookBuildSerializer(serializers.ModelSerializer):
    event = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    progress = serializers.FloatField(read_only=True, allow_null=True, help_text="0 to 1 while running.")
    error = serializers.SerializerMethodField(help_text="Why it failed: for the organisers; else null.")
    download_url = serializers.SerializerMethodField(help_text="The PDF, while it is kept; else null.")
    url = serializers.SerializerMethodField()

    class Meta:
        model = BookBuild
        fields = [
            "id",
            "event",
            "status",
            "phase",
            "forced",
            "revision",
            "requested_at",
            "started_at",
            "finished_at",
            "seconds",
            "progress",
            "pages",
            "size",
            "error",
            "download_url",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_error(self, build: BookBuild) -> str | None:
        return build.error if organises(self.context["request"], build.event_id) else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, build: BookBuild) -> str | None:
        if build.status != BookBuild.Status.SUCCEEDED or not build.pdf:
            return None
        return reverse("api:book-build-pdf", kwargs={"pk": build.pk}, request=self.context["request"])

    def get_url(self, build: BookBuild) -> str:
        return reverse("api:book-build-detail", kwargs={"pk": build.pk}, request=self.context["request"])


class BookBuildRequestSerializer(serializers.Serializer):
    event = serializers.SlugField(max_length=100, help_text="The event's slug.")


class BookBuildFilter(django_filters.FilterSet):
    event = django_filters.CharFilter(field_name="event__slug", label="The event's slug.")
    status = django_filters.MultipleChoiceFilter(choices=BookBuild.Status.choices)

    class Meta:
        model = BookBuild
        fields = ["event", "status"]


@extend_schema_view(
    list=extend_schema(
        summary="Book builds",
        description="Successful builds whose PDF is kept, of the events you can see; every build of the "
        "events you organise. Newest first.",
    ),
    retrieve=extend_schema(summary="One book build", description="404 unless listed for you."),
    create=extend_schema(
        summary="Build the book now",
        description="Organisers of the event only (403 for others who can see it; 404 for an event you "
        "cannot see). Queues a build even if nothing changed; while one is queued, that one is returned.",
        request=BookBuildRequestSerializer,
        responses={202: BookBuildSerializer},
    ),
)
class BookBuildViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = BookBuildSerializer
    filterset_class = BookBuildFilter
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self) -> QuerySet[BookBuild]:
        return (
            builds_visible(self.request)
            .select_related("event")
            .defer("plan", "page_numbers")
            .order_by("-requested_at", "-pk")
        )

    def create(self, request, *args, **kwargs):
        body = BookBuildRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        event = events_visible(request).filter(slug=body.validated_data["event"]).first()
        if event is None:
            raise exceptions.NotFound("No such event.")
        if not organises(request, event.pk):
            raise exceptions.PermissionDenied("Only the organisers of this event can build its book.")
        build = book_build_request(event_id=event.pk, forced=True)
        build = self.get_queryset().get(pk=build.pk)
        return Response(self.get_serializer(build).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="The build's PDF",
        description="The book of abstracts as built, to whoever sees the build.",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_name="pdf",
        renderer_classes=[renderers.JSONRenderer, PdfRenderer],
    )
    def pdf(self, request, pk=None):
        build = self.get_object()
        if build.status != BookBuild.Status.SUCCEEDED or not build.pdf:
            raise Http404("This build has no PDF.")
        try:
            file = build.pdf.open("rb")
        except FileNotFoundError as error:
            raise Http404("This build's PDF is no longer stored.") from error
        return FileResponse(
            file, content_type="application/pdf", filename=f"{build.event.slug}-book-of-abstracts.pdf"
        )
