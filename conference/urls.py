from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from conference import views

urlpatterns = [
    path("", views.event_list, name="home"),
    path("health/", views.health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("conference.api_urls")),
    path("api/", include("api.urls")),
    path("events/", include("conference.urls_events")),
    path("", include("abstracts.urls")),
    path("events/", include("indexes.urls")),
    path("events/", include("books.urls")),
    path("events/", include("programme.urls")),
    path("events/", include("reviews.urls")),
    path("events/", include("decisions.urls")),
    path("events/", include("cleanup.urls")),
    path("", include("accounts.urls")),
]

# Under /api/ these answer in the API's JSON error format; elsewhere they are Django's own pages.
handler400 = "api.errors.bad_request"
handler403 = "api.errors.permission_denied"
handler404 = "api.errors.page_not_found"
handler500 = "api.errors.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
