"""The sign-up page of a term and the forms posted from it."""

from django.urls import path

from syllabus.signup import views

app_name = "signup"

urlpatterns = [
    path("<slug:term_slug>/", views.term_signup, name="term"),
    path("<slug:term_slug>/vote/", views.vote, name="vote"),
    path("<slug:term_slug>/claim/", views.claim, name="claim"),
    path("<slug:term_slug>/cancel/", views.cancel, name="cancel"),
    path("<slug:term_slug>/preferences/", views.preferences, name="preferences"),
    path("<slug:term_slug>/suggest/", views.suggest, name="suggest"),
]
