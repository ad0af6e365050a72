"""The project's URLs plus the floor page, which exists only while the bench runs."""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

FLOOR_PATH = "/__bench__/floor/"

# The base layout for a logged-in user and nothing else: what every page costs at least.
_FLOOR = engines["django"].from_string(
    '{% extends "base.html" %}{% block content %}{% endblock content %}'
)


def floor_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_FLOOR.render({}, request))


urlpatterns = [
    path(FLOOR_PATH.strip("/") + "/", floor_view, name="bench-floor"),
    path("", include("config.urls")),
]
