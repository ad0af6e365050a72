from django.urls import path

from . import views

app_name = "coaching"

urlpatterns = [
    path("coaching/", views.home, name="home"),
    path("coaching/coaches/", views.coach_list, name="coach-list"),
    path("coaching/coaches/add/", views.coach_add, name="coach-add"),
    path("coaching/coaches/<int:pk>/", views.coach_detail, name="coach-detail"),
    path("coaching/coaches/<int:pk>/edit/", views.coach_edit, name="coach-edit"),
    path("coaching/engagements/", views.assignment_list, name="assignment-list"),
    path("coaching/engagements/new/", views.assignment_new, name="assignment-new"),
    path("coaching/engagements/<int:pk>/", views.assignment_detail, name="assignment-detail"),
    path("coaching/engagements/<int:pk>/edit/", views.assignment_edit, name="assignment-edit"),
    path(
        "coaching/engagements/<int:pk>/accept/",
        views.assignment_accept,
        name="assignment-accept",
    ),
    path(
        "coaching/engagements/<int:pk>/decline/",
        views.assignment_decline,
        name="assignment-decline",
    ),
    path(
        "coaching/engagements/<int:pk>/withdraw/",
        views.assignment_withdraw,
        name="assignment-withdraw",
    ),
    path("coaching/engagements/<int:pk>/pause/", views.assignment_pause, name="assignment-pause"),
    path(
        "coaching/engagements/<int:pk>/resume/",
        views.assignment_resume,
        name="assignment-resume",
    ),
    path(
        "coaching/engagements/<int:pk>/complete/",
        views.assignment_complete,
        name="assignment-complete",
    ),
    path("coaching/engagements/<int:pk>/sessions/new/", views.session_new, name="session-new"),
    path("coaching/sessions/<int:pk>/edit/", views.session_edit, name="session-edit"),
    path("coaching/sessions/<int:pk>/delete/", views.session_delete, name="session-delete"),
    path("coaching/sessions/<int:pk>/note/erase/", views.note_erase, name="note-erase"),
]
