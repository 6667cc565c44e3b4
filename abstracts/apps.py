from django.apps import AppConfig


class AbstractsConfig(AppConfig):
    name = "abstracts"
    verbose_name = "Abstracts"
