"""`make bench`: server time and query counts of every registered page, at scale (README.md)."""
