"""API of an event's author index and keyword index: the stored snapshots the book prints.

Readable by whoever can see the event; they list accepted abstracts only.
"""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from api.conditional import conditional_response
from conference.api import events_visible
from conference.models import Event
from indexes.models import AuthorIndexEntry, IndexState, KeywordIndexEntry


class IndexedAbstractSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()


class AuthorIndexEntrySerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True, help_text="As printed: surname, then given names.")
    abstracts = IndexedAbstractSerializer(many=True, read_only=True)
    pages = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = AuthorIndexEntry
        fields = ["position", "letter", "surname", "given_names", "label", "person_ids", "abstracts", "pages"]
        read_only_fields = fields
        extra_kwargs = {"person_ids": {"help_text": "The people (see /people/) this entry joins."}}


class KeywordIndexEntrySerializer(serializers.ModelSerializer):
    keyword = serializers.IntegerField(source="keyword_id_ref", read_only=True)
    abstracts = IndexedAbstractSerializer(many=True, read_only=True)
    pages = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = KeywordIndexEntry
        fields = ["position", "letter", "label", "keyword", "abstracts", "pages"]
        read_only_fields = fields


EVENT_SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The event's slug.")


class _EventIndexViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    model = None

    def event(self) -> Event:
        if not hasattr(self, "_event"):
            self._event = get_object_or_404(events_visible(self.request), slug=self.kwargs["slug"])
        return self._event

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.model.objects.filter(event=self.event()).order_by("position")

    def list(self, request, *args, **kwargs):
        state = (
            IndexState.objects.filter(event=self.event())
            .values_list("built_revision", "built_at", "builds")
            .first()
        )
        return conditional_response(
            request,
            state=(self.event().pk, state),
            last_modified=state[1] if state else None,
            respond=lambda: super(_EventIndexViewSet, self).list(request, *args, **kwargs),
        )


@extend_schema_view(
    list=extend_schema(
        summary="The author index of an event",
        description="One entry per person of the accepted abstracts, in the book's collation order, with "
        "their abstracts' codes and, once the book is built, pages. Readable by whoever can see the event "
        "(404 otherwise).",
        parameters=[EVENT_SLUG],
    )
)
class AuthorIndexViewSet(_EventIndexViewSet):
    model = AuthorIndexEntry
    serializer_class = AuthorIndexEntrySerializer


@extend_schema_view(
    list=extend_schema(
        summary="The keyword index of an event",
        description="Keywords of the accepted abstracts grouped case-insensitively, in collation order. "
        "Readable by whoever can see the event (404 otherwise).",
        parameters=[EVENT_SLUG],
    )
)
class KeywordIndexViewSet(_EventIndexViewSet):
    model = KeywordIndexEntry
    serializer_class = KeywordIndexEntrySerializer
