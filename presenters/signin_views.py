# PLACEHOLDER, replaced by the sign-in work (helper "signin").
from django.http import HttpResponse


def sign_in(request):
    return HttpResponse("not built yet", status=501)


sign_in_link = sign_out = sign_in
