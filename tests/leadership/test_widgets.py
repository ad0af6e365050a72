"""FastSelect: the markup of Django's Select, with the options of shared lists rendered once."""

import pytest
from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy

from leadership.widgets import FastSelect, FastSelectMultiple, SharedTimeZoneFormField

CHOICES = [("", "---------"), ("a", "Alpha & co"), ("b", "<Beta>"), ("c", "Gamma")]


def test_it_marks_the_chosen_option_and_escapes_values_and_labels():
    html = FastSelect(choices=CHOICES).render("letter", "b", attrs={"id": "id_letter"})

    assert html.startswith('<select name="letter" id="id_letter">')
    assert '<option value="a">Alpha &amp; co</option>' in html
    assert '<option value="b" selected>&lt;Beta&gt;</option>' in html
    assert html.count(" selected") == 1


def test_the_same_list_renders_each_forms_own_choice():
    # given: two forms showing one shared list, one after the other (the second from the cache)
    widget = FastSelect(choices=CHOICES)
    first = widget.render("letter", "a")

    # when
    second = widget.render("letter", "c")

    # then: each marks its own value and nothing else
    assert '<option value="a" selected>' in first
    assert '<option value="c" selected>' not in first
    assert '<option value="c" selected>' in second
    assert '<option value="a" selected>' not in second
    # no value chooses the empty option, as Django's Select does
    nothing = FastSelect(choices=CHOICES).render("letter", None)
    assert '<option value="" selected>' in nothing
    assert nothing.count(" selected") == 1


def test_a_multiple_select_marks_every_chosen_option():
    html = FastSelectMultiple(choices=CHOICES).render("letters", ["a", "c"])

    assert html.startswith('<select name="letters" multiple>')
    assert '<option value="a" selected>' in html
    assert '<option value="c" selected>' in html
    assert '<option value="b">' in html


def test_labels_are_rendered_in_the_language_of_the_page():
    # given: a translated label, rendered first in English
    choices = [("yes", gettext_lazy("Yes"))]
    with translation.override("en"):
        english = FastSelect(choices=choices).render("answer", None)

    # when
    with translation.override("fr"):
        french = FastSelect(choices=choices).render("answer", None)

    # then: the French page does not get the English options from the cache
    assert ">Yes</option>" in english
    assert ">Oui</option>" in french


def test_grouped_choices_render_as_optgroups():
    grouped = [("Vowels", [("a", "A"), ("e", "E")]), ("Consonants", [("b", "B")])]

    html = FastSelect(choices=grouped).render("letter", "e")

    assert '<optgroup label="Vowels"><option value="a">A</option>' in html
    assert '<option value="e" selected>E</option></optgroup>' in html


def test_forms_share_the_time_zone_choices_but_not_their_attributes():
    class TimeZoneForm(forms.Form):
        time_zone = SharedTimeZoneFormField(widget=FastSelect)

    first, second = TimeZoneForm(), TimeZoneForm()
    first.fields["time_zone"].widget.attrs["class"] = "changed"

    assert first.fields["time_zone"].widget.choices is second.fields["time_zone"].widget.choices
    assert "class" not in second.fields["time_zone"].widget.attrs
    assert second.fields["time_zone"] is not TimeZoneForm.base_fields["time_zone"]


@pytest.mark.parametrize("value", ["Asia/Tokyo", "America/Los_Angeles"])
def test_the_time_zone_select_marks_the_chosen_zone(value):
    class TimeZoneForm(forms.Form):
        time_zone = SharedTimeZoneFormField(widget=FastSelect)

    html = str(TimeZoneForm(initial={"time_zone": value})["time_zone"])

    assert f'<option value="{value}" selected>' in html
    assert html.count(" selected") == 1


@pytest.mark.parametrize("value", ["", None, "b", "nope"])
def test_it_renders_what_djangos_select_renders(value):
    ours = FastSelect(choices=CHOICES).render("letter", value, attrs={"id": "id_letter"})
    django = forms.Select(choices=CHOICES).render("letter", value, attrs={"id": "id_letter"})

    assert ours == django.replace("\n", "").replace('selected=""', "selected").replace("  ", "")
