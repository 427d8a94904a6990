"""Screenshots for the README, written by the browser tests as they walk the product:
what a customer and a member of staff see, at desktop and at phone width. Each run
rewrites docs/screenshots/<name>.png, so the README always shows the product as it is."""
from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SETUP = FOLDER.parent / "setup"             # the newcomer's walk, step by step (docs/setup/README.md)
PHONE = {"width": 390, "height": 844}


def shoot(page, name: str, phone: bool = False, folder: Path = FOLDER) -> Path:
    """Save the page as it is now; with phone=True also as a phone shows it (name-phone.png)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    if phone:
        size = page.viewport_size
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(folder / f"{name}-phone.png"), full_page=False)
        page.set_viewport_size(size)
    return path
