from django_celery_beat.apps import BeatConfig as BaseBeatConfig


class BeatConfig(BaseBeatConfig):
    # django-celery-beat's migrations use AutoField; without this, our BigAutoField default makes
    # Django believe the app has a pending migration that nobody can write.
    default_auto_field = "django.db.models.AutoField"
