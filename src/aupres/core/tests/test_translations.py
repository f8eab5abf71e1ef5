"""The French catalogue is complete, and what Django serves is the compiled version of it."""

import ast
import re
from pathlib import Path

from django.utils import translation

PO_FILE = Path(__file__).resolve().parents[2] / "locale" / "fr" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def read_po(path=PO_FILE):
    """Entries of a .po file as dicts: flags (set) and keywords (msgctxt, msgid, msgid_plural, msgstr[n])."""
    entries, entry, key = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line:
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        entry = entry if entry is not None else {"flags": set()}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return entries


def messages():
    return [e for e in read_po() if e["msgid"]]  # the header has an empty msgid


def translations(entry):
    return [value for key, value in entry.items() if key.startswith("msgstr")]


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = messages()
    assert len(entries) > 300
    untranslated = [e["msgid"] for e in entries if not all(translations(e))]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, untranslated
    assert not fuzzy, fuzzy
    assert "fuzzy" not in read_po()[0]["flags"], "the header is marked fuzzy"


def test_translations_keep_every_placeholder():
    for entry in messages():
        expected = set(PLACEHOLDER.findall(entry["msgid"]))
        for translated in translations(entry):
            assert set(PLACEHOLDER.findall(translated)) == expected, (entry["msgid"], translated)


def test_the_compiled_catalogue_matches_the_po_file():
    """Fails when someone edits django.po without running compilemessages."""
    with translation.override("fr"):
        stale = [
            e["msgid"]
            for e in messages()
            if "msgid_plural" not in e and "msgctxt" not in e and translation.gettext(e["msgid"]) != e["msgstr"]
        ]
    assert not stale, stale


def test_the_interface_speaks_french_and_english():
    with translation.override("fr"):
        assert translation.gettext("My caseload") == "Ma file active"
    with translation.override("en"):
        assert translation.gettext("My caseload") == "My caseload"
