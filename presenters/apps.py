from django.apps import AppConfig


class PresentersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "presenters"

    def ready(self) -> None:
        from presenters import checks  # noqa: F401  (registers the deployment checks)
