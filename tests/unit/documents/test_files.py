"""What an upload is, by its content: each type taken with its content type, preview flag
and hash, and each refusal with a message that names the file. The files are real, made
here (Pillow comes with fpdf2; office files are zips written with zipfile)."""
import hashlib
import io
import tarfile
import zipfile

import pytest
from PIL import Image

from services.chassis.errors import DomainError
from services.documents.domain.files import Inspected, clean_filename, inspect

LIMIT = 1024 * 1024          # 1 MB
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
OOXML = {"docx": ("word/document.xml", "wordprocessingml.document.main+xml"),
         "xlsx": ("xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
         "pptx": ("ppt/presentation.xml", "presentationml.presentation.main+xml")}


def image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def zipped(entries: dict[str, bytes], stored_first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            kind = zipfile.ZIP_STORED if name == stored_first else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=kind)
    return out.getvalue()


def ooxml(ext: str, main_type: str | None = None, extra: dict | None = None) -> bytes:
    part, content_type = OOXML[ext]
    main_type = main_type or f"application/vnd.openxmlformats-officedocument.{content_type}"
    types = (f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
             f'2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
             f'<Override PartName="/{part}" ContentType="{main_type}"/></Types>').encode()
    return zipped({"[Content_Types].xml": types, "_rels/.rels": b"<Relationships/>", part: b"<x/>",
                   **(extra or {})})


def odf(mimetype: str) -> bytes:
    return zipped({"mimetype": mimetype.encode(), "content.xml": b"<office:document-content/>",
                   "META-INF/manifest.xml": b"<manifest:manifest/>"}, stored_first="mimetype")


def refused(filename: str, data: bytes, limit: int = LIMIT) -> str:
    with pytest.raises(DomainError) as error:
        inspect(filename, data, limit)
    assert error.value.extensions == {"field": "file"} and error.value.status == 422
    return error.value.detail


# -- taken ---------------------------------------------------------------------------------

@pytest.mark.parametrize("filename, data, content_type, previewable", [
    ("contract.pdf", PDF, "application/pdf", True),
    ("logo.png", image("PNG"), "image/png", True),
    ("photo.jpg", image("JPEG"), "image/jpeg", True),
    ("photo.jpeg", image("JPEG"), "image/jpeg", True),
    ("anim.gif", image("GIF"), "image/gif", True),
    ("modern.webp", image("WEBP"), "image/webp", True),
    ("letter.docx", ooxml("docx"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", False),
    ("sheet.xlsx", ooxml("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False),
    ("deck.pptx", ooxml("pptx"), "application/vnd.openxmlformats-officedocument.presentationml.presentation", False),
    ("letter.odt", odf("application/vnd.oasis.opendocument.text"), "application/vnd.oasis.opendocument.text", False),
    ("sheet.ods", odf("application/vnd.oasis.opendocument.spreadsheet"),
     "application/vnd.oasis.opendocument.spreadsheet", False),
    ("notes.txt", "Grüße, 10 € — ok\n".encode(), "text/plain", False),
    ("rows.csv", b"\xef\xbb\xbfname,amount\nMZ Smith,12\n", "text/csv", False),   # a BOM; "MZ" text is no program
    ("hello.txt", b"<3 you\n", "text/plain", False),                              # a '<' that is no markup
])
def test_each_allowed_type_is_taken_from_its_content(filename, data, content_type, previewable):
    assert inspect(filename, data, LIMIT) == Inspected(
        filename=filename, content_type=content_type, size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(), previewable=previewable)


def test_a_file_of_exactly_the_limit_is_taken():
    data = b"a" * LIMIT
    assert inspect("big.txt", data, LIMIT).size_bytes == LIMIT


def test_the_name_is_cleaned():
    assert clean_filename("Cafe\u0301  Report\t2026.PDF") == "Café Report 2026.pdf"
    assert clean_filename("in\x00voice\x1f.pdf.") == "invoice.pdf"
    assert clean_filename("report\u202a\u2066.Txt") == "report.txt"
    assert inspect(" Q3 Résumé.JPEG ", image("JPEG"), LIMIT).filename == "Q3 Résumé.jpeg"


def test_a_bidi_override_cannot_hide_a_program_behind_a_harmless_looking_name():
    # shows as "invoiceexe.pdf" in a right-to-left aware list; it is "invoice\u202efdp.exe"
    assert "is a program" in refused("invoice\u202efdp.exe", b"MZ\x90\x00\x03\x00")


# -- refused -------------------------------------------------------------------------------

def test_an_empty_file_is_refused():
    assert refused("scan.pdf", b"") == ("“scan.pdf” is empty (0 bytes). Choose the file again, "
                                        "or check it opens on your computer.")


def test_a_file_over_the_limit_is_refused_saying_the_limit_in_mb():
    assert refused("scan.pdf", PDF + b"x" * LIMIT) == "“scan.pdf” is 1.1 MB; files can be at most 1 MB."
    assert refused("big.pdf", b"%PDF-" + b"x" * (25 * LIMIT), limit=10 * LIMIT) == \
        "“big.pdf” is 25.1 MB; files can be at most 10 MB."


@pytest.mark.parametrize("filename", ["../x.pdf", "a/b.pdf", "C:\\x.pdf", "C:x.pdf", "..", "/etc/passwd"])
def test_a_name_with_a_path_is_refused(filename):
    assert refused(filename, PDF) == (f"“{filename}” includes a folder path. Upload the file itself, with a name "
                                      f"without '/', '\\' or a drive letter.")


def test_an_overlong_name_is_refused_without_repeating_it_whole():
    message = refused("a" * 10_000 + ".pdf", PDF)
    assert message == (f"“{'a' * 57}…” has a name of 10,004 characters; names can be at most 255. "
                       f"Rename it and upload it again.")
    assert inspect("a" * 251 + ".pdf", PDF, LIMIT).filename == "a" * 251 + ".pdf"   # 255 exactly


@pytest.mark.parametrize("filename", ["", "   ", "\u202e\u2066", "\x00\x01", "..."])
def test_a_name_empty_after_cleaning_is_refused(filename):
    assert refused(filename, PDF) == ("The file has no name (or only invisible characters). "
                                      "Rename it and upload it again.")


def test_a_name_is_text():
    assert refused(None, PDF) == "The file has no name. Rename it and upload it again."


@pytest.mark.parametrize("filename, data, holds", [
    ("scan.pdf", image("PNG"), "a PNG image"),
    ("scan.pdf", b"just some text\n", "plain text"),
    ("photo.png", image("JPEG"), "a JPEG image"),
    ("photo.jpg", PDF, "a PDF"),
    ("notes.txt", PDF, "a PDF"),
    ("scan.pdf", b"\x00\x01\x02binary", "something else"),
    ("letter.docx", PDF, "a PDF"),
])
def test_an_extension_that_does_not_match_the_content_is_refused(filename, data, holds):
    ext = filename.rsplit(".", 1)[1]
    assert refused(filename, data) == (f"“{filename}” is named .{ext} but holds {holds}. "
                                       f"Rename it to match what it is, or upload the right file.")


@pytest.mark.parametrize("filename, data", [
    ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"),                       # Windows PE
    ("tool.txt", b"\x7fELF\x02\x01\x01\x00"),                                   # ELF
    ("app.pdf", b"\xcf\xfa\xed\xfe\x07\x00\x00\x01"),                           # Mach-O 64
    ("app.pdf", b"\xca\xfe\xba\xbe\x00\x00\x00\x02"),                           # Mach-O universal
    ("run.txt", b"#!/bin/sh\nrm -rf ~\n"),                                      # a script
    ("run.csv", b"#!/usr/bin/env python3\nprint(1)\n"),
    ("setup.exe", b"plain text, but named as a program"),
    ("go.bat", b"echo hi\r\n"), ("go.cmd", b"echo hi\r\n"), ("go.sh", b"echo hi\n"),
    ("app.js", b"alert(1)\n"), ("setup.msi", PDF), ("lib.dll", PDF), ("x.PS1", b"Get-Item .\n"),
    ("scan.pdf.exe", PDF),
])
def test_programs_are_refused_by_content_and_by_name(filename, data):
    shown = filename[:-len(filename.rsplit(".", 1)[1])] + filename.rsplit(".", 1)[1].lower()
    assert refused(filename, data) == f"“{shown}” is a program or script, which cannot be uploaded."


@pytest.mark.parametrize("filename, data", [
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("logo.svg", image("PNG")),                                                   # refused by name alone
    ("logo.txt", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'),
    ("page.txt", b"\n  <!DOCTYPE html><html><body>hi</body></html>"),
    ("page.csv", b"<script>alert(1)</script>"),
    ("page.txt", b"<!-- comment -->"),
    ("page.html", b"<p>hello</p>"), ("feed.xml", b"<rss/>"), ("page.htm", b"hi"),
])
def test_markup_is_refused(filename, data):
    assert refused(filename, data) == (f"“{filename}” is HTML, XML or SVG, which cannot be uploaded "
                                       f"(it can carry scripts).")


def tar_bytes() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        info = tarfile.TarInfo("a.txt")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"hi"))
    return out.getvalue()


def gzip_bytes() -> bytes:
    import gzip
    return gzip.compress(b"hello", mtime=0)       # the same bytes every run: test ids stay stable


@pytest.mark.parametrize("filename, data", [
    ("files.zip", zipped({"a.txt": b"hi"})),
    ("files.pdf", b"PK\x05\x06" + b"\x00" * 18),                                 # an empty zip
    ("files.rar", b"Rar!\x1a\x07\x01\x00"),
    ("files.pdf", b"Rar!\x1a\x07\x00"),
    ("files.7z", b"7z\xbc\xaf\x27\x1c\x00\x04"),
    ("files.txt", gzip_bytes()),
    ("files.tar.gz", gzip_bytes()),
    ("files.csv", tar_bytes()),
    ("files.tar", tar_bytes()),
    ("files.txt", __import__("bz2").compress(b"hello")),
    ("files.txt", __import__("lzma").compress(b"hello")),
    ("letter.zip", ooxml("docx")),                                                # a docx named as a zip
])
def test_archives_are_refused(filename, data):
    assert refused(filename, data) == (f"“{filename}” is an archive, which cannot be uploaded: "
                                       f"upload the files in it one by one.")


def test_an_unknown_type_is_refused_listing_what_is_taken():
    assert refused("photo.heic", b"\x00\x00\x00\x18ftypheic") == (
        "“photo.heic” cannot be uploaded: files of type .heic are not accepted. "
        "Upload PDF, PNG, JPEG, GIF, WebP, DOCX, XLSX, PPTX, ODT, ODS, TXT or CSV files.")
    assert refused("README", b"hello") == (
        "“README” cannot be uploaded: files without an extension are not accepted. "
        "Upload PDF, PNG, JPEG, GIF, WebP, DOCX, XLSX, PPTX, ODT, ODS, TXT or CSV files.")


@pytest.mark.parametrize("data", ["Grüße".encode("latin-1"), "hello".encode("utf-16"), b"a\x00b"])
def test_text_must_be_utf8_without_nul(data):
    assert refused("notes.txt", data) == "“notes.txt” is not UTF-8 text. Save it as UTF-8 (or as a PDF) and upload it again."


# -- office files: zips with their marker, and no bomb ----------------------------------------

def damaged(ext: str, name: str = "letter") -> str:
    return (f"“{name}.{ext}” is damaged or is not a real .{ext} file. "
            f"Save it again from its program and upload it again.")


@pytest.mark.parametrize("ext, data", [
    ("docx", zipped({"word/document.xml": b"<x/>"})),                            # no [Content_Types].xml
    ("odt", zipped({"content.xml": b"<x/>"})),                                     # no mimetype
    ("docx", b"PK\x03\x04" + b"\x00" * 40),                                        # not a zip at all
    ("xlsx", ooxml("xlsx")[:200]),                                                 # cut short
])
def test_an_office_file_without_its_marker_or_broken_is_refused(ext, data):
    assert refused(f"letter.{ext}", data) == damaged(ext)


@pytest.mark.parametrize("ext, data", [
    ("docx", ooxml("docx", main_type="application/vnd.ms-word.document.macroEnabled.main+xml")),   # a .docm
    ("docx", ooxml("xlsx")),                                                                       # a workbook
    ("xlsx", ooxml("docx")),
    ("odt", odf("application/vnd.oasis.opendocument.spreadsheet")),
    ("ods", odf("application/zip")),
])
def test_an_office_file_of_another_kind_is_refused(ext, data):
    assert refused(f"letter.{ext}", data) == (
        f"“letter.{ext}” is named .{ext} but holds another kind of document (a macro-enabled or other office "
        f"file, or a plain zip). Save it as .{ext} and upload it again.")


def test_an_office_file_with_too_many_parts_is_refused():
    data = ooxml("docx", extra={f"word/media/{i}.xml": b"" for i in range(1000)})
    assert refused("letter.docx", data) == (
        "“letter.docx” holds 1,003 parts; an office file can hold at most 1,000. "
        "Save it again from its program, or as a PDF, and upload it again.")


def test_an_office_file_that_unpacks_to_more_than_20_times_the_limit_is_refused():
    data = ooxml("docx", extra={"word/media/zeros.bin": b"\x00" * (21 * 100_000)})
    assert len(data) < 100_000
    assert refused("letter.docx", data, limit=100_000) == (
        "“letter.docx” unpacks to 2.1 MB; an office file can unpack to at most 1.9 MB. "
        "Save it again from its program, or as a PDF, and upload it again.")
    assert inspect("letter.docx", ooxml("docx", extra={"big.bin": b"\x00" * 1_900_000}), 100_000)


@pytest.mark.parametrize("entry", ["../../etc/cron.d/x", "word/../../x.xml", "/etc/passwd", "\\windows\\x.dll",
                                   "C:/x.xml", "word\\..\\..\\x.xml"])
def test_an_office_file_with_an_entry_outside_its_folder_is_refused(entry):
    assert refused("letter.docx", ooxml("docx", extra={entry: b"x"})) == damaged("docx")
