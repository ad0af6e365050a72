from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("plans/at-risk/", views.roles_at_risk, name="at-risk"),
    path("communities/<slug:slug>/plans/", views.community_plans, name="community-plans"),
    path("communities/<slug:slug>/plans/new/", views.plan_create, name="plan-create"),
    path("communities/<slug:slug>/roles/new/", views.role_create, name="role-create"),
    path("communities/<slug:slug>/roles/import/", views.roles_import, name="roles-import"),
    path("plans/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan-edit"),
    path("plans/<int:pk>/status/", views.plan_status, name="plan-status"),
    path("plans/<int:pk>/timeline/", views.plan_timeline, name="plan-timeline"),
    path("plans/<int:pk>/history/", views.plan_history, name="plan-history"),
    path("plans/<int:pk>/export.csv", views.plan_export, name="plan-export"),
    path("plans/roles/<int:pk>/", views.role_detail, name="role-detail"),
    path("plans/roles/<int:pk>/edit/", views.role_edit, name="role-edit"),
    path("plans/roles/<int:pk>/succession/", views.role_succession, name="role-succession"),
    path("plans/roles/<int:pk>/terms/new/", views.term_create, name="term-create"),
    path("plans/candidates/<int:pk>/", views.candidate_change, name="candidate-change"),
    path("plans/terms/<int:pk>/edit/", views.term_edit, name="term-edit"),
    path("plans/terms/<int:pk>/end/", views.term_end, name="term-end"),
]
