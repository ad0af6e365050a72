from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("dashboards/", views.index, name="index"),
    path("dashboards/movement/", views.dashboard, name="movement"),
    path("dashboards/movement/csv/<slug:table>/", views.table_csv, name="movement-csv"),
    path("dashboards/movement/refresh/", views.refresh, name="movement-refresh"),
    path("dashboards/regions/<slug:region>/", views.dashboard, name="region"),
    path("dashboards/regions/<slug:region>/csv/<slug:table>/", views.table_csv, name="region-csv"),
    path("dashboards/regions/<slug:region>/refresh/", views.refresh, name="region-refresh"),
    path("dashboards/communities/<slug:slug>/", views.dashboard, name="community"),
    path(
        "dashboards/communities/<slug:slug>/csv/<slug:table>/",
        views.table_csv,
        name="community-csv",
    ),
    path("dashboards/communities/<slug:slug>/refresh/", views.refresh, name="community-refresh"),
]
