# PLACEHOLDER, replaced by the "my sessions" work (helper "mine").
from django.http import HttpResponse


def my_sessions(request, **kwargs):
    return HttpResponse("not built yet", status=501)


row_edit = profile_edit = my_sessions
