"""Helpers for reading rendered pages in tests."""

import re

from django.http import HttpResponse


def main_content(response: HttpResponse) -> str:
    """The page's own content, without the per-response CSP nonces and CSRF tokens around it."""
    found = re.search(r"<main.*?</main>", response.content.decode(), re.DOTALL)
    assert found is not None
    return found.group(0)
