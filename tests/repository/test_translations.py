"""Every customer-facing string ships in French, Dutch and German."""

from pathlib import Path

import polib
import pytest

I18N = Path(__file__).resolve().parents[2] / 'invoicecloud_payments' / 'i18n'


@pytest.mark.parametrize('lang', ['fr', 'nl', 'de'])
def test_translation_is_complete(lang):
    template = {entry.msgid for entry in polib.pofile(str(I18N / 'invoicecloud_payments.pot')) if entry.msgid}
    po = polib.pofile(str(I18N / f'{lang}.po'))
    translated = {entry.msgid for entry in po.translated_entries()}
    assert template, "the .pot lists the strings"
    assert template - translated == set(), f"untranslated in {lang}.po"
    assert not po.obsolete_entries()
