from django.db import models


class HttpsURLField(models.URLField):
    """A URL field whose form adds https:// (not http://) to an address typed without a scheme."""

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})
