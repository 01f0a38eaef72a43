from django.urls import path

from presenters import views
from syllabus.exports import views as exports

app_name = "presenters"

urlpatterns = [
    path("", views.presenter_list, name="list"),
    path("<slug:slug>/", views.presenter_detail, name="detail"),
    path("<slug:slug>/calendar.ics", views.presenter_calendar, name="calendar"),
    path("<slug:slug>/reading-list.<str:fmt>", exports.presenter_reading_list, name="reading_list"),
]
