from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from conference import views

urlpatterns = [
    path("", views.event_list, name="home"),
    path("health/", views.health, name="health"),
    path("admin/", admin.site.urls),
    path("events/", include("conference.urls_events")),
    path("", include("abstracts.urls")),
    path("events/", include("indexes.urls")),
    path("events/", include("books.urls")),
    path("events/", include("programme.urls")),
    path("", include("accounts.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
