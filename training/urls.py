from django.urls import path

from .views import feeds as feed_views
from .views import library as library_views
from .views import programmes, sessions

app_name = "training"

urlpatterns = [
    # schedule
    path("training/", programmes.programme_list, name="programme-list"),
    path("training/new/", programmes.programme_create, name="programme-create"),
    path("training/programmes/<int:pk>/", programmes.programme_detail, name="programme-detail"),
    path("training/programmes/<int:pk>/edit/", programmes.programme_edit, name="programme-edit"),
    path("training/programmes/<int:pk>/stages/new/", programmes.stage_create, name="stage-create"),
    path("training/programmes/<int:pk>/schedule/", programmes.schedule, name="schedule"),
    path(
        "training/programmes/<int:pk>/schedule/<int:year>/<int:month>/",
        programmes.schedule_month,
        name="schedule-month",
    ),
    path("training/stages/<int:pk>/", programmes.stage_detail, name="stage-detail"),
    path("training/stages/<int:pk>/edit/", programmes.stage_edit, name="stage-edit"),
    path("training/stages/<int:pk>/delete/", programmes.stage_remove, name="stage-delete"),
    path(
        "communities/<slug:slug>/trainings/",
        programmes.community_trainings,
        name="community-trainings",
    ),
    path("training/stages/<int:pk>/schedule/", sessions.series_create_view, name="series-create"),
    path("training/stages/<int:pk>/sign-off/", sessions.stage_sign_off_view, name="stage-sign-off"),
    path(
        "training/programmes/<int:pk>/progress/",
        sessions.programme_progress,
        name="programme-progress",
    ),
    path("training/sessions/<int:pk>/", sessions.session_detail, name="session-detail"),
    path("training/sessions/<int:pk>/edit/", sessions.session_edit, name="session-edit"),
    path("training/sessions/<int:pk>/cancel/", sessions.session_cancel_view, name="session-cancel"),
    path(
        "training/sessions/<int:pk>/restore/", sessions.session_restore_view, name="session-restore"
    ),
    path("training/sessions/<int:pk>/skip/", sessions.session_skip_view, name="session-skip"),
    path("training/sessions/<int:pk>/enrol/", sessions.session_enrol_view, name="session-enrol"),
    path("training/sessions/<int:pk>/attendance/", sessions.attendance, name="session-attendance"),
    path(
        "training/enrolments/<int:pk>/cancel/",
        sessions.enrolment_cancel_view,
        name="enrolment-cancel",
    ),
    path("training/mine/", sessions.mine, name="mine"),
    path(
        "training/people/<int:pk>/progress/", sessions.person_progress_view, name="person-progress"
    ),
    path(
        "communities/<slug:slug>/trainings/progress/",
        sessions.community_progress,
        name="community-progress",
    ),
    # end schedule
    # feeds
    path(
        "training/programmes/<int:pk>/calendar.ics",
        feed_views.programme_calendar,
        name="programme-calendar",
    ),
    path(
        "communities/<slug:slug>/trainings.ics",
        feed_views.community_calendar,
        name="community-calendar",
    ),
    # The key is secrets.token_urlsafe: letters, digits, "-" and "_", which <slug> matches.
    path(
        "training/calendar/<slug:token>.ics",
        feed_views.personal_calendar,
        name="personal-calendar",
    ),
    path("training/calendar/", feed_views.feed_settings, name="feed-settings"),
    path(
        "training/calendar/regenerate/",
        feed_views.feed_regenerate,
        name="feed-regenerate",
    ),
    # end feeds
    # library
    path("training/library/", library_views.library, name="library"),
    path("training/library/new/", library_views.resource_create, name="resource-create"),
    path("training/library/review/", library_views.resource_review, name="resource-review"),
    path("training/library/<int:pk>/", library_views.resource_detail, name="resource-detail"),
    path("training/library/<int:pk>/edit/", library_views.resource_edit, name="resource-edit"),
    path(
        "training/library/<int:pk>/translate/",
        library_views.resource_translate,
        name="resource-translate",
    ),
    path(
        "training/library/<int:pk>/delete/", library_views.resource_delete, name="resource-delete"
    ),
    # end library
]
