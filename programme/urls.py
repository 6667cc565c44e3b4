from django.urls import path

from programme import views

app_name = "programme"

urlpatterns = [
    path("<slug:slug>/board/", views.board, name="board"),
    path("<slug:slug>/board/abstracts/<int:pk>/", views.abstract_record, name="abstract_record"),
]
