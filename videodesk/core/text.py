"""Text checks shared by the API, the library and the caption tools."""


def storable(value: str) -> str:
    """The text without what databases and UTF-8 files refuse: NUL, and unpaired surrogates (JSON
    escapes can smuggle them in), which become '?'."""
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def is_storable(value: str) -> bool:
    return storable(value) == value


def whole_number(value: str | None, *, signed=False) -> int | None:
    """An ASCII decimal integer, or None; str.isdigit() also accepts '²', which int() then refuses."""
    if not value:
        return None
    digits = value[1:] if signed and value[0] == "-" else value
    return int(value) if digits.isascii() and digits.isdigit() else None
