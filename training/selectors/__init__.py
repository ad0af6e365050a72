"""Reads of training shared by views, tasks, feeds and the admin, one module per area."""
