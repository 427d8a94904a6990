"""The gateway's catalogues compile where they are, or where the install is read-only, in a
folder of the process's own: the pages are translated either way."""
from __future__ import annotations

from babel.support import Translations

from gateway.web import i18n


def test_a_read_only_install_still_gets_compiled_catalogues(tmp_path, monkeypatch):
    source = tmp_path / "translations"
    (source / "de" / "LC_MESSAGES").mkdir(parents=True)
    (source / "de" / "LC_MESSAGES" / "messages.po").write_bytes(
        (i18n.TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.po").read_bytes())
    writable = i18n.compile_catalogues

    def read_only(root):
        if root == source:
            raise PermissionError("read-only file system")
        writable(root)

    monkeypatch.setattr(i18n, "compile_catalogues", read_only)
    where = i18n.compiled(source)
    assert where != source and not (source / "de" / "LC_MESSAGES" / "messages.mo").exists()
    german = Translations.load(str(where), ["de"])
    assert german.gettext("Skip to main content") == "Zum Hauptinhalt springen"
