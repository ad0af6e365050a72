from django.urls import path

from . import views

app_name = "mentoring"

urlpatterns = [
    path("mentoring/", views.programme_list, name="programme-list"),
    path("mentoring/new/", views.programme_create, name="programme-create"),
    path("mentoring/mentor/", views.mentor_dashboard, name="mentor-dashboard"),
    path("mentoring/mine/", views.mine, name="mine"),
    path("mentoring/exclusions/", views.exclusions, name="exclusions"),
    path(
        "mentoring/exclusions/<int:pk>/remove/",
        views.exclusion_remove,
        name="exclusion-remove",
    ),
    path("mentoring/<int:pk>/", views.programme_detail, name="programme-detail"),
    path("mentoring/<int:pk>/edit/", views.programme_edit, name="programme-edit"),
    path("mentoring/<int:pk>/mentor/", views.offer_edit, name="offer-edit"),
    path("mentoring/<int:pk>/apply/", views.application_edit, name="application-edit"),
    path("mentoring/<int:pk>/coordinate/", views.coordinate, name="coordinate"),
    path("mentoring/<int:pk>/runs/", views.run_start, name="run-start"),
    path("mentoring/<int:pk>/publish/", views.programme_publish, name="programme-publish"),
    path("mentoring/runs/<int:pk>/", views.run_detail, name="run-detail"),
    path("mentoring/offers/<int:pk>/away/", views.offer_away, name="offer-away"),
    path("mentoring/offers/<int:pk>/withdraw/", views.offer_withdraw, name="offer-withdraw"),
    path(
        "mentoring/applications/<int:pk>/withdraw/",
        views.application_withdraw,
        name="application-withdraw",
    ),
    path("mentoring/proposals/<int:pk>/", views.proposal_detail, name="proposal-detail"),
    path("mentoring/proposals/<int:pk>/answer/", views.proposal_answer, name="proposal-answer"),
    path("mentoring/proposals/<int:pk>/review/", views.proposal_review, name="proposal-review"),
    path(
        "mentoring/relationships/<int:pk>/",
        views.relationship_detail,
        name="relationship-detail",
    ),
    path(
        "mentoring/relationships/<int:pk>/check-ins/",
        views.check_in_add,
        name="check-in-add",
    ),
    path("mentoring/relationships/<int:pk>/goals/", views.goals_update, name="goals-update"),
    path("mentoring/relationships/<int:pk>/end/", views.relationship_end, name="relationship-end"),
    path(
        "mentoring/relationships/<int:pk>/feedback/",
        views.feedback_give,
        name="feedback-give",
    ),
]
