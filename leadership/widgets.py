"""Form widgets that render quickly on long lists."""

import copy
import threading
from html import escape
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from timezone_field.forms import TimeZoneFormField

# Rendered <option>s of the choice lists that many forms share (the 600 time zones, the languages
# of every language row), by their content and the language of their labels. Bounded: lists seen
# once pass through without filling memory.
_OPTIONS_CACHE_SIZE = 64
_options_cache: dict[tuple[Any, str | None], str] = {}
_options_lock = threading.Lock()


class FastSelect(forms.Select):
    """A <select> written in Python instead of one template render for each option.

    Django renders every <option> through the template engine, and the profile form has about
    600 of them (the time zones): 200 ms a page in `make bench` before. This writes the same
    markup directly, escaping each value and label, and reuses the options of a shared list.
    """

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        options = self._options()
        selected = [str(v) for v in self.format_value(value)]
        if not self.allow_multiple_selected:
            selected = selected[:1]
        for chosen in dict.fromkeys(selected):
            # The first option with that value, as Django marks it.
            needle = f'<option value="{escape(chosen)}">'
            options = options.replace(needle, f'<option value="{escape(chosen)}" selected>', 1)
        html = f'<select name="{escape(name)}"{flatatt(final_attrs)}>{options}</select>'
        return mark_safe(html)  # noqa: S308 - every value and label is escaped in _options

    def _options(self) -> str:
        # Once through: a model choice field's choices are a query (and list() would count first).
        choices = list(iter(self.choices))
        try:
            key: tuple[Any, str | None] | None = (tuple(choices), get_language())
            cached = _options_cache.get(key)  # type: ignore[arg-type]
        except TypeError:  # grouped choices come as lists, which cannot be a key
            key = cached = None
        if cached is not None:
            return cached
        parts: list[str] = []
        for option_value, option_label in choices:
            if isinstance(option_label, list | tuple):
                parts.append(f'<optgroup label="{escape(str(option_value))}">')
                parts.extend(self._option(v, label) for v, label in option_label)
                parts.append("</optgroup>")
            else:
                parts.append(self._option(option_value, option_label))
        html = "".join(parts)
        if key is not None:
            with _options_lock:
                if len(_options_cache) >= _OPTIONS_CACHE_SIZE:
                    _options_cache.clear()
                _options_cache[key] = html
        return html

    @staticmethod
    def _option(value: Any, label: Any) -> str:
        value = "" if value is None else str(value)
        return f'<option value="{escape(value)}">{escape(str(label))}</option>'


class FastSelectMultiple(FastSelect, forms.SelectMultiple):
    allow_multiple_selected = True


class SharedTimeZoneFormField(TimeZoneFormField):
    """The time zone field, without a private copy of its 600 choices for every form.

    Django deep-copies each field, and its widget's choices, whenever a form is made; these never
    change, so every form shares one list (a third of the profile page's time before), and
    FastSelect renders their options once.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> "SharedTimeZoneFormField":
        result = copy.copy(self)
        memo[id(self)] = result
        result.widget = copy.copy(self.widget)
        result.widget.attrs = self.widget.attrs.copy()
        result.error_messages = self.error_messages.copy()
        result.validators = self.validators[:]
        return result
