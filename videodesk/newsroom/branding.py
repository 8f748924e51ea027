"""The station logo: a PNG that admins upload, shown over the player (a page overlay, so the clean
video still serves syndication) and optionally burned into social cuts. Changing it never touches
the encoded renditions.

The file lives in the data folder (`branding/logo.png`); its placement is a row of the settings
table. `version` changes with every change so the logo's and the stylesheet's URLs change too."""
import io
import os
import struct
from pathlib import Path

from PIL import Image

from videodesk.core import db, outbox, storage
from videodesk.core.errors import Invalid, NotFound, TooLarge
from videodesk.core.ids import file_token
from videodesk.core.models import Setting
from videodesk.newsroom import audit

SETTING = "logo"
CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")
DEFAULTS = {"corner": "top-right", "size": 12.0, "opacity": 0.85, "version": None}
SIZE_RANGE = (2.0, 40.0)        # % of the video's width
OPACITY_RANGE = (0.1, 1.0)
MAX_BYTES = 1024 * 1024
MAX_SIDE = 4096


def logo_path() -> Path:
    return storage.data_dir() / "branding" / "logo.png"


def png_dimensions(data: bytes) -> tuple[int, int]:
    """Width and height of a well-formed PNG. Pillow reads the header and checks every chunk
    (`verify`) without decoding the pixels, so a request never inflates an image."""
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            width, height = image.size
            if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
                raise Invalid(f"'logo' must be a PNG of at most {MAX_SIDE}x{MAX_SIDE} pixels.")
            image.verify()
    except (OSError, SyntaxError, ValueError, struct.error, Image.DecompressionBombError):
        raise Invalid("'logo' must be a PNG image.") from None
    return width, height


def settings() -> dict:
    """The placement (corner, size in % of the video width, opacity) and `version` (None: no logo)."""
    row = db.session().get(Setting, SETTING)
    return {**DEFAULTS, **(row.value if row else {})}


def current() -> dict | None:
    """The logo's settings when there is a logo to show."""
    value = settings()
    return value if value["version"] and logo_path().is_file() else None


def _save(user, action: str, value: dict):
    session = db.session()
    row = session.get(Setting, SETTING)
    if row is None:
        session.add(Setting(key=SETTING, value=value))
    else:
        row.value = value
    audit.record(user, action, "branding:logo", **{k: v for k, v in value.items() if k != "version"})
    outbox.commit(session, outbox.ContentChanged())


def upload_logo(user, data: bytes) -> dict:
    if len(data) > MAX_BYTES:
        raise TooLarge(f"'logo' is larger than {MAX_BYTES // 1024} KB.")
    width, height = png_dimensions(data)
    path = logo_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{file_token()}")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    value = {**settings(), "version": file_token(), "width": width, "height": height}
    _save(user, "logo_upload", value)
    return value


def _number(data: dict, name: str, low: float, high: float) -> float:
    try:
        number = float(data[name])
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        raise Invalid(f"'{name}' must be a number from {low:g} to {high:g}.")
    return round(number, 2)


def place_logo(user, data: dict) -> dict:
    """Corner, size and opacity; missing fields keep their value."""
    value = settings()
    if "corner" in data:
        if data["corner"] not in CORNERS:
            raise Invalid(f"'corner' must be one of: {', '.join(CORNERS)}.")
        value["corner"] = data["corner"]
    if "size" in data:
        value["size"] = _number(data, "size", *SIZE_RANGE)
    if "opacity" in data:
        value["opacity"] = _number(data, "opacity", *OPACITY_RANGE)
    if value["version"]:
        value["version"] = file_token()
    _save(user, "logo_place", value)
    return value


def remove_logo(user):
    if current() is None:
        raise NotFound("There is no logo.")
    logo_path().unlink(missing_ok=True)
    _save(user, "logo_remove", {**settings(), "version": None})
