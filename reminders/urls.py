from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("reminders/", views.upcoming, name="upcoming"),
]
