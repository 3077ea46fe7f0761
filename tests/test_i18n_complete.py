"""Every term Odoo exports for the addon is in its .pot and translated in de.po.

Odoo loads a language by merging the module's .po with its .pot and drops what the .pot lacks; a term missing from
both stays English in the German UI. The export here is Odoo's own (what ``--i18n-export`` writes), read from this
database, so a new field label, selection value, view string or ``_()`` message without German fails this test.
"""

from pathlib import Path

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

I18N = Path(__file__).resolve().parent.parent / "i18n"


@tagged("post_install", "-at_install")
class TestI18nComplete(TransactionCase):
    def test_every_exported_term_has_german_in_the_template(self):
        exported = {
            source
            for _module, _type, _name, _res_id, source, _value, _comments in TranslationModuleReader(
                self.env.cr, modules=["itscope_connector"]
            )
        }
        self.assertGreater(len(exported), 500, "the export reader found the addon's terms")
        template = {entry.msgid for entry in polib.pofile(str(I18N / "itscope_connector.pot")) if not entry.obsolete}
        german = {entry.msgid for entry in polib.pofile(str(I18N / "de.po")) if entry.msgstr and not entry.obsolete}
        self.assertEqual(sorted(exported - template), [], "terms missing from itscope_connector.pot")
        self.assertEqual(sorted(exported - german), [], "terms without German in de.po")
