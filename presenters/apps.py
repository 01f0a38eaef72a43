from django.apps import AppConfig


class PresentersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "presenters"
