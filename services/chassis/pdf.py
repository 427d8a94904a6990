"""The PDF base every service's documents share (fpdf2): a Unicode font where the system has
one, and never an error for a character the font lacks.

Fonts: DejaVu Sans, a Unicode TrueType font (names like "Zoë Müller", "Łukasz", "€", Greek,
Cyrillic), from the system's fonts-dejavu(-core) package where it is installed, or from a
folder the service's PDF_FONT_DIR setting names (holding DejaVuSans.ttf and
DejaVuSans-Bold.ttf). Where there is none, the built-in Helvetica with the Windows-1252
encoding is used: it still covers Western European names and "€", and any other character
is shown as "?" rather than failing the download.
"""
from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu",
             "/usr/share/fonts/TTF", "/usr/local/share/fonts/dejavu")
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"


def font_dir(preferred: str | None = None) -> Path | None:
    """The first folder holding both DejaVu fonts: `preferred` (the PDF_FONT_DIR setting), then the system's."""
    for folder in (preferred, *FONT_DIRS):
        if folder and (Path(folder) / REGULAR).is_file() and (Path(folder) / BOLD).is_file():
            return Path(folder)
    return None


class UnicodePDF(FPDF):
    """An A4 FPDF whose `family` is DejaVu where found, else Helvetica (Windows-1252)."""

    def use_fonts(self, preferred: str | None = None) -> str:
        folder = font_dir(preferred)
        if folder is None:
            self.core_fonts_encoding = "windows-1252"
            return "helvetica"
        self.add_font("dejavu", "", str(folder / REGULAR))
        self.add_font("dejavu", "B", str(folder / BOLD))
        return "dejavu"

    def normalize_text(self, text: str) -> str:
        """Built-in fonts only know Windows-1252: anything else becomes "?", never an error."""
        if not self.is_ttf_font and self.core_fonts_encoding:
            text = text.encode(self.core_fonts_encoding, "replace").decode(self.core_fonts_encoding)
        return super().normalize_text(text)
