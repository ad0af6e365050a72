"""The demo's dashboards: figures beside suppressed cells, computed by the seed."""

from django.core.management import call_command

from leadership.models import Community, DashboardSnapshot, Person, SelfIdentification


def test_the_demo_shows_figures_and_suppression_and_a_second_run_adds_nobody(db: None) -> None:
    # given
    call_command("seed_demo", "--scale", "small", "--quiet-logins")
    answers = SelfIdentification.objects.count()
    # then part of the people said something about themselves
    assert 0.4 < answers / Person.objects.count() < 0.8
    # and every community, region and the movement has its figures
    assert DashboardSnapshot.objects.filter(level="community").count() == Community.objects.count()
    assert DashboardSnapshot.objects.filter(level="movement").count() == 1
    # and the demo chapter's representation shows figures and hides small groups side by side
    chapter = Community.objects.get(name="Wikimedia Demo Chapter")
    snapshot = DashboardSnapshot.objects.get(level="community", key=str(chapter.pk))
    cells = snapshot.data["representation"]["gender"]["community"]["cells"]
    assert any(value is None for value in cells.values())
    assert any(value is not None for value in cells.values())
    # when seeded again
    call_command("seed_demo", "--scale", "small", "--quiet-logins")
    # then nobody's answers were added or changed
    assert SelfIdentification.objects.count() == answers
