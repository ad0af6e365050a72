from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from leadership.selectors import person_for_user

from . import selectors


def upcoming(request: HttpRequest) -> HttpResponse:
    """The signed-in person's upcoming reminders about their own terms (and later, sessions)."""
    person = person_for_user(user=request.user)
    reminders = (
        selectors.upcoming_reminders(person=person, today=selectors.reminder_today())
        if person is not None
        else []
    )
    return render(request, "reminders/upcoming.html", {"reminders": reminders})
