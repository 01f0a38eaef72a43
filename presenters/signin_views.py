"""Signing in by emailed link (presenters/signin.py holds the logic): ask, use the link, sign out."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from presenters import signin
from syllabus.clients import client_address


class SignInForm(forms.Form):
    email = forms.EmailField(label="Your email address", max_length=254)


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request):
    """The same answer for every address, known or not, link sent or not; 429 past the client's rate."""
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signin.sign_in_link_request(
                email=form.cleaned_data["email"],
                client=client_address(request),
                base_url=request.build_absolute_uri("/"),
            )
        except signin.TooManyRequests as refused:
            response = render(
                request,
                "presenters/sign_in_throttled.html",
                {"minutes": -(-refused.retry_after // 60)},
                status=429,
            )
            response["Retry-After"] = str(refused.retry_after)
            return response
        return render(request, "presenters/sign_in_sent.html", {"hours": settings.SIGN_IN_LINK_HOURS})
    return render(request, "presenters/sign_in.html", {"form": form, "hours": settings.SIGN_IN_LINK_HOURS})


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_link(request):
    """GET: a button, so that mail scanners fetching the link do not spend it; POST: sign in."""
    token = request.GET.get(settings.SESAME_TOKEN_NAME, "")
    if request.method == "GET":
        if not token or signin.sign_in_link_user(token=token) is None:
            return render(request, "presenters/sign_in_link_invalid.html", status=400)
        return render(request, "presenters/sign_in_link.html", {"token": token})
    if not token or signin.sign_in_link_use(request=request, token=token) is None:
        return render(request, "presenters/sign_in_link_invalid.html", status=400)
    messages.success(request, "You are signed in.")
    return redirect("account:my_sessions")


@require_POST
def sign_out(request):
    logout(request)
    messages.success(request, "You are signed out.")
    return redirect("syllabus:home")
