from django.urls import path

from decisions import views

app_name = "decisions"

urlpatterns = [
    path("<slug:slug>/board/letters/", views.letters, name="letters"),
    path("<slug:slug>/board/letters/queue/", views.queue, name="queue"),
    path("<slug:slug>/board/letters/release/", views.release, name="release"),
    path("<slug:slug>/board/letters/outbox/", views.outbox_action, name="outbox"),
]
