"""Lint check: every translated term of i18n/*.po is in the template i18n/itscope_connector.pot.

Odoo 18 merges a .po with the module's .pot when it loads a language (``PoFileReader`` → ``polib.merge``) and
drops every entry the .pot lacks, silently: a German term added to de.po alone never reaches the database. This
check names such entries; exit 1 with the list, 0 when in step. (The .pot itself is Odoo's export of the module's
terms; ``odoo-bin --i18n-export`` regenerates it.)
"""

import pathlib
import sys

import polib

I18N = pathlib.Path(__file__).resolve().parent.parent / "i18n"


def _key(entry):
    return entry.msgctxt, entry.msgid


def problems(pot_path, po_path):
    """What of ``po_path`` Odoo would not load, as readable lines."""
    template = {_key(entry) for entry in polib.pofile(str(pot_path)) if not entry.obsolete}
    return [
        "%s: %r is not in %s" % (po_path.name, entry.msgid, pot_path.name)
        for entry in polib.pofile(str(po_path))
        if not entry.obsolete and entry.msgstr and _key(entry) not in template
    ]


def main():
    pot_path = I18N / "itscope_connector.pot"
    lines = [line for po_path in sorted(I18N.glob("*.po")) for line in problems(pot_path, po_path)]
    for line in lines:
        print(line)
    if lines:
        print("Add these to %s (regenerate it with odoo-bin --i18n-export) so Odoo loads them." % pot_path.name)
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
