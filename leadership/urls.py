from django.urls import path

from . import views

app_name = "leadership"

urlpatterns = [
    path("", views.home, name="home"),
    path("communities/", views.community_list, name="community-list"),
    path("communities/<slug:slug>/", views.community_detail, name="community-detail"),
    path("communities/<slug:slug>/edit/", views.community_edit, name="community-edit"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("profile/edit/", views.profile_edit, name="profile-edit"),
    path("profile/edit/languages/", views.profile_languages_edit, name="profile-languages"),
    path("profile/edit/skills/", views.profile_skills_edit, name="profile-skills"),
    path("profile/edit/identity/", views.profile_identity_edit, name="profile-identity"),
    path(
        "profile/edit/identity/erase/",
        views.profile_identity_erase,
        name="profile-identity-erase",
    ),
]
