"""The API's description: the OpenAPI schema and Swagger UI, served from the app's own static files."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

app_name = "api_docs"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api_docs:schema"), name="docs"),
]
