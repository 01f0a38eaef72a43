"""WSGI entry point: `gunicorn syllabus.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

from syllabus.settings import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "syllabus.settings")

application = get_wsgi_application()
require_secret_key()
