"""A presenter's own pages: signing in by emailed link, their sessions, their rows, their profile."""

from django.urls import path

from presenters import account_views, signin_views

app_name = "account"

urlpatterns = [
    path("sign-in/", signin_views.sign_in, name="sign_in"),
    path("sign-in/link/", signin_views.sign_in_link, name="sign_in_link"),
    path("sign-out/", signin_views.sign_out, name="sign_out"),
    path("my/", account_views.my_sessions, name="my_sessions"),
    path("my/calendar/reset/", account_views.personal_calendar_reset, name="personal_calendar_reset"),
    path("my/calendar/<str:token>.ics", account_views.personal_calendar, name="personal_calendar"),
    path("my/rows/<int:pk>/", account_views.row_edit, name="row"),
    path("my/profile/", account_views.profile_edit, name="profile"),
]
