"""Every write of training, one module per area, each raising `TrainingError` (base.py).

- programmes.py: programmes and stages.
- schedule.py: series and sessions, the three edit modes, exceptions and overrides.
- enrolment.py: enrolment, the waiting list, attendance, stage completion.
- library.py: the knowledge library.
- feeds.py: personal calendar keys.
"""
