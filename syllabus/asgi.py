"""ASGI entry point, for servers that speak ASGI."""

import os

from django.core.asgi import get_asgi_application

from syllabus.settings import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "syllabus.settings")

application = get_asgi_application()
require_secret_key()
