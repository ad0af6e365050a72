"""Fault tests: the reminders sweep under a killed worker, two sweeps and a lost database."""
