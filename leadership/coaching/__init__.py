"""Coaching, a part of the `leadership` app with its own rooms (models, services, selectors,
forms, views, urls, reminders, admin), as pretix keeps parts of `base` in packages.

Private coach notes: nobody but the coach reads them, admins included. They live in their own
table (`CoachingNote`) with no admin page, no history, no export and no search; only
`selectors.session_notes_for_coach` reads it, for the coach of the engagement. We chose "not at
all" over "admins through a recorded action": a note exists to help the coach remember, and
anyone who needs to know something in it (a safeguarding concern) is better served by the coach
raising it than by a path around the coach. Superusers can of course read the database itself;
what Pathways promises is that no page of it shows a note to anyone else.
"""
