from django.apps import AppConfig


class IndexesConfig(AppConfig):
    name = "indexes"
    verbose_name = "Author and keyword indexes"
