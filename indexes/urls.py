from django.urls import path

from indexes import views

app_name = "indexes"

urlpatterns = [
    path("<slug:slug>/authors/", views.author_index_page, name="authors"),
    path("<slug:slug>/keywords/", views.keyword_index_page, name="keywords"),
]
