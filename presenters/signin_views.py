"""Signing in by emailed link (presenters/signin.py holds the logic): ask, use the link, sign out."""

import functools

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from presenters import signin
from syllabus.clients import client_address

# Where to go after signing in (a page that sent the visitor to sign in, e.g. a row's page), kept in
# the browser's session from the sign-in form to the link: a link opened in the same browser comes
# back there, one opened elsewhere goes to "My sessions".
NEXT_KEY = "sign_in_next"


class SignInForm(forms.Form):
    email = forms.EmailField(label="Your email address", max_length=254)


def _safe_next(request, url: str) -> str:
    """`url` if it is a page of this site, else empty."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request):
    """The same answer for every address, known or not, link sent or not; 429 past the client's rate."""
    form = SignInForm(request.POST or None)
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    if request.method == "POST" and form.is_valid():
        try:
            mails = signin.sign_in_link_request(
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
        if next_url:
            request.session[NEXT_KEY] = next_url
        response = render(request, "presenters/sign_in_sent.html", {"hours": settings.SIGN_IN_LINK_HOURS})
        # Sent once the answer has gone out: sending takes as long as the mail server does, so a
        # known address would be answered later than an unknown one. Django calls a response's
        # closers from close(), which the WSGI (and ASGI) server calls after sending the body; a
        # closer that raises is silenced there, so sign_in_mails_send logs failures itself. (Not a
        # request_finished receiver: that signal fires for every request of the process, so in a
        # threaded server a one-shot receiver could run at the end of another visitor's request.)
        response._resource_closers.append(functools.partial(signin.sign_in_mails_send, mails=mails))
        return response
    return render(
        request,
        "presenters/sign_in.html",
        {"form": form, "hours": settings.SIGN_IN_LINK_HOURS, "next": next_url},
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in_link(request):
    """GET: a button, so that mail scanners fetching the link do not spend it; POST: sign in."""
    token = request.GET.get(settings.SESAME_TOKEN_NAME, "")
    if request.method in ("GET", "HEAD"):
        if not token or signin.sign_in_link_user(token=token) is None:
            return render(request, "presenters/sign_in_link_invalid.html", status=400)
        return render(request, "presenters/sign_in_link.html", {"token": token})
    if not token or signin.sign_in_link_use(request=request, token=token) is None:
        return render(request, "presenters/sign_in_link_invalid.html", status=400)
    messages.success(request, "You are signed in.")
    # login() keeps an anonymous session's data under its new key: the page asked for at the form.
    return redirect(_safe_next(request, request.session.pop(NEXT_KEY, "")) or "account:my_sessions")


@require_POST
def sign_out(request):
    logout(request)
    messages.success(request, "You are signed out.")
    return redirect("syllabus:home")
