"""What an uploaded file is, decided by its content, not by what the browser claims.

`inspect(filename, data, limit_bytes)` cleans the name, checks the size and recognises the
content by its first bytes (plain signature checks: the dozen formats we take are few and
stable, so a dependency would add more than it saves, and libmagic is a C library that may
not be installed). Anything else is refused with a DomainError on the field "file" whose
message names the file and says what to do, never a 500.

Taken: PDF, PNG, JPEG, GIF, WebP, Word/Excel/PowerPoint (.docx, .xlsx, .pptx),
OpenDocument text and spreadsheets (.odt, .ods), and UTF-8 text (.txt, .csv; text/plain and
text/csv are always UTF-8 here, so serve them with charset=utf-8). The extension must match
the content. Only the first five are `previewable` (safe to show inline in a browser).

Refused whatever the name: programs (Windows PE, ELF, Mach-O, Java classes, "#!" scripts),
HTML, XML and SVG (they can carry scripts), and archives (zip, rar, 7z, gzip, bzip2, xz,
zstd, tar). Office files are zips: one is taken only when it holds its marker
([Content_Types].xml naming the document's main part, or ODF's `mimetype`), has at most
1,000 entries, declares at most 20 times the upload limit uncompressed, and names no entry
with '..' or an absolute path. Pure: the zip is read from memory.
"""
from __future__ import annotations

import hashlib
import io
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from services.chassis.errors import DomainError

NAME_LIMIT = 255
ZIP_ENTRIES = 1000
ZIP_RATIO = 20
MARKER_LIMIT = 1024 * 1024            # the most of a marker file ever decompressed

PREVIEWABLE = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"})
OFFICE = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
    "odt": ("application/vnd.oasis.opendocument.text", None),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", None),
}
# extension -> (the content it must hold, its content type)
ALLOWED = {
    "pdf": ("pdf", "application/pdf"),
    "png": ("png", "image/png"),
    "jpg": ("jpeg", "image/jpeg"),
    "jpeg": ("jpeg", "image/jpeg"),
    "gif": ("gif", "image/gif"),
    "webp": ("webp", "image/webp"),
    "txt": ("text", "text/plain"),
    "csv": ("text", "text/csv"),
    **{ext: ("zip", content_type) for ext, (content_type, _) in OFFICE.items()},
}
KIND_NAMES = {"pdf": "a PDF", "png": "a PNG image", "jpeg": "a JPEG image", "gif": "a GIF image",
              "webp": "a WebP image", "text": "plain text", "zip": "a zip archive"}
ALLOWED_LIST = "PDF, PNG, JPEG, GIF, WebP, DOCX, XLSX, PPTX, ODT, ODS, TXT or CSV"

PROGRAM = "a program or script, which cannot be uploaded"
MARKUP = "HTML, XML or SVG, which cannot be uploaded (it can carry scripts)"
ARCHIVE = "an archive, which cannot be uploaded: upload the files in it one by one"

# (offset, signature, kind): the formats taken, then those refused with their reason.
SIGNATURES = [
    (0, b"%PDF-", "pdf"),
    (0, b"\x89PNG\r\n\x1a\n", "png"),
    (0, b"\xff\xd8\xff", "jpeg"),
    (0, b"GIF87a", "gif"),
    (0, b"GIF89a", "gif"),
    (0, b"PK\x03\x04", "zip"),
    (0, b"\x7fELF", PROGRAM),
    (0, b"\xfe\xed\xfa\xce", PROGRAM), (0, b"\xfe\xed\xfa\xcf", PROGRAM),   # Mach-O 32/64
    (0, b"\xce\xfa\xed\xfe", PROGRAM), (0, b"\xcf\xfa\xed\xfe", PROGRAM),
    (0, b"\xca\xfe\xba\xbe", PROGRAM),                      # Mach-O universal, Java class
    (0, b"#!", PROGRAM),
    (0, b"PK\x05\x06", ARCHIVE), (0, b"PK\x07\x08", ARCHIVE),   # empty and spanned zips
    (0, b"Rar!\x1a\x07", ARCHIVE),
    (0, b"7z\xbc\xaf\x27\x1c", ARCHIVE),
    (0, b"\x1f\x8b", ARCHIVE),                              # gzip
    (0, b"\xfd7zXZ\x00", ARCHIVE),
    (0, b"\x28\xb5\x2f\xfd", ARCHIVE),                      # zstd
    (0, b"MSCF\x00\x00\x00\x00", ARCHIVE),                  # Windows cabinet
    (257, b"ustar\x00", ARCHIVE), (257, b"ustar  \x00", ARCHIVE),   # tar (POSIX, GNU)
]
# Formats whose first bytes could also start a text file: more of their header must match.
PATTERNS = [
    (re.compile(rb"MZ[\s\S]{0,62}?\x00"), PROGRAM),          # DOS/Windows PE: its header's numbers hold NULs
    (re.compile(rb"BZh[1-9](1AY&SY|\x17rE8P\x90)"), ARCHIVE),  # bzip2
]
PROGRAM_EXTENSIONS = frozenset(
    "exe com bat cmd sh bash zsh csh ksh ps1 psm1 psd1 vbs vbe js jse mjs cjs wsf wsh hta msi msp msix "
    "appx dll so dylib scr pif cpl sys drv ocx jar class apk app dmg pkg deb rpm run bin elf command py "
    "pyw pl rb php lnk reg inf scf url gadget".split())
MARKUP_EXTENSIONS = frozenset("svg svgz html htm xhtml shtml mht mhtml xml xsl xslt".split())
ARCHIVE_EXTENSIONS = frozenset("zip rar 7z gz tgz bz2 tbz2 xz txz zst tar cab iso arj lz lzh lzma z".split())
# How browsers recognise HTML (WHATWG MIME sniffing), and XML/SVG: refused in text files too.
MARKUP_START = re.compile(
    r"<(!--|(\?xml|!doctype|svg|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p)[\s/>])",
    re.IGNORECASE)

BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class Inspected:
    filename: str        # cleaned
    content_type: str    # from the content, e.g. "application/pdf"
    size_bytes: int
    sha256: str          # hex
    previewable: bool    # safe to show inline in a browser: pdf, png, jpeg, gif, webp only


def inspect(filename: str, data: bytes, limit_bytes: int) -> Inspected:
    """The file's cleaned name and what it holds; DomainError(field="file") when refused."""
    if limit_bytes <= 0:
        raise ValueError("limit_bytes must be positive")
    name = clean_filename(filename)
    shown = _shown(name)
    if not data:
        raise _refuse(f"{shown} is empty (0 bytes). Choose the file again, or check it opens on your computer.")
    if len(data) > limit_bytes:
        raise _refuse(f"{shown} is {_mb(len(data))}; files can be at most {_mb(limit_bytes, up=False)}.")
    ext = _extension(name)
    kind = _kind(data)
    for reason, extensions in ((PROGRAM, PROGRAM_EXTENSIONS), (MARKUP, MARKUP_EXTENSIONS),
                               (ARCHIVE, ARCHIVE_EXTENSIONS)):
        if kind == reason or ext in extensions:
            raise _refuse(f"{shown} is {reason}.")
    if ext not in ALLOWED:
        named = f"files of type .{ext}" if ext else "files without an extension"
        raise _refuse(f"{shown} cannot be uploaded: {named} are not accepted. Upload {ALLOWED_LIST} files.")
    expected, content_type = ALLOWED[ext]
    if kind != expected:
        if expected == "text" and kind is None:
            raise _refuse(f"{shown} is not UTF-8 text. Save it as UTF-8 (or as a PDF) and upload it again.")
        holds = KIND_NAMES.get(kind, "something else")
        raise _refuse(f"{shown} is named .{ext} but holds {holds}. Rename it to match what it is, "
                      f"or upload the right file.")
    if kind == "zip":
        _check_office(shown, ext, data, limit_bytes)
    return Inspected(filename=name, content_type=content_type, size_bytes=len(data),
                     sha256=hashlib.sha256(data).hexdigest(), previewable=content_type in PREVIEWABLE)


def clean_filename(filename: str) -> str:
    """NFC, without control and bidi-override characters, whitespace collapsed, trailing
    dots dropped, the extension lower-cased. A path, an overlong or an empty name is refused."""
    if not isinstance(filename, str):
        raise _refuse("The file has no name. Rename it and upload it again.")
    raw = unicodedata.normalize("NFC", filename)
    if "/" in raw or "\\" in raw or raw.strip() == ".." or DRIVE.match(raw):
        raise _refuse(f"{_shown(_tidy(raw))} includes a folder path. Upload the file itself, "
                      f"with a name without '/', '\\' or a drive letter.")
    name = _tidy(raw).rstrip(". ")
    if len(name) > NAME_LIMIT:
        raise _refuse(f"{_shown(name)} has a name of {len(name):,} characters; names can be at most "
                      f"{NAME_LIMIT}. Rename it and upload it again.")
    if not name:
        raise _refuse("The file has no name (or only invisible characters). Rename it and upload it again.")
    ext = _extension(name)
    return f"{name[:-len(ext)]}{ext.lower()}" if ext else name


def _tidy(name: str) -> str:
    return " ".join(CONTROL.sub("", BIDI.sub("", name.replace("\t", " ").replace("\n", " "))).split())


def _extension(name: str) -> str:
    """What follows the last dot, lower-cased; "" for none (".profile" has none)."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem.strip() else ""


def _shown(name: str) -> str:
    """The name as a message quotes it: a long one is cut."""
    return f"“{name if len(name) <= 60 else name[:57] + '…'}”"


def _mb(size: int, up: bool = True) -> str:
    """Megabytes of 1,048,576 bytes, one decimal at most; a size over a limit rounds up, so
    it never reads as equal to the limit."""
    tenths = size * 10 / (1024 * 1024)
    tenths = math.ceil(tenths) if up else round(tenths)
    return f"{tenths // 10} MB" if tenths % 10 == 0 else f"{tenths / 10:.1f} MB"


def _refuse(message: str) -> DomainError:
    return DomainError(message, field="file")


def _kind(data: bytes) -> str | None:
    """One of KIND_NAMES' kinds, a refusal reason (PROGRAM, MARKUP, ARCHIVE), or None."""
    for offset, signature, kind in SIGNATURES:
        if data[offset:offset + len(signature)] == signature:
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    for pattern, kind in PATTERNS:
        if pattern.match(data):
            return kind
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if MARKUP_START.match(text[:4096].lstrip()):
        return MARKUP
    return "text"


def _check_office(shown: str, ext: str, data: bytes, limit_bytes: int) -> None:
    """A zip named as an office file: bomb checks first, then its marker."""
    damaged = _refuse(f"{shown} is damaged or is not a real .{ext} file. Save it again from its program "
                      f"and upload it again.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except Exception:   # any bytes may reach here: whatever zipfile trips on is the user's file, not a 500
        raise damaged from None
    unpacked = sum(entry.file_size for entry in entries)
    if len(entries) > ZIP_ENTRIES:
        raise _refuse(f"{shown} holds {len(entries):,} parts; an office file can hold at most {ZIP_ENTRIES:,}. "
                      f"Save it again from its program, or as a PDF, and upload it again.")
    if unpacked > ZIP_RATIO * limit_bytes:
        raise _refuse(f"{shown} unpacks to {_mb(unpacked)}; an office file can unpack to at most "
                      f"{_mb(ZIP_RATIO * limit_bytes, up=False)}. Save it again from its program, or as a PDF, "
                      f"and upload it again.")
    for entry in entries:
        parts = entry.filename.replace("\\", "/").split("/")
        if entry.filename.startswith(("/", "\\")) or DRIVE.match(entry.filename) or ".." in parts:
            raise damaged
    content_type, main_part = OFFICE[ext]
    marker = "[Content_Types].xml" if main_part else "mimetype"
    try:
        with archive.open(marker) as stream:
            text = stream.read(MARKER_LIMIT).decode("utf-8", "replace")
    except Exception:   # missing, encrypted, corrupt: not a real office file
        raise damaged from None
    holds_it = main_part in text if main_part else text.strip() == content_type
    if not holds_it:
        raise _refuse(f"{shown} is named .{ext} but holds another kind of document (a macro-enabled or "
                      f"other office file, or a plain zip). Save it as .{ext} and upload it again.")
