"""The leadership app's kinds of reminder: coaching's, registered by importing them (the reminders
app's autodiscovery imports each app's `reminders` module, and coaching is part of this app)."""

from .coaching import reminders as coaching_reminders  # noqa: F401
