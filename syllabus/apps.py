from django.apps import AppConfig


class SyllabusConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "syllabus"
    verbose_name = "Syllabus"

    def ready(self) -> None:
        from syllabus import media

        media.connect_signals(migrated_sender=self)
