"""Text checks shared by the API and the caption tools."""


def is_storable(value: str) -> bool:
    """Databases and UTF-8 files refuse NUL and unpaired surrogates, which JSON can smuggle in as escapes."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def whole_number(value: str | None, *, signed=False) -> int | None:
    """An ASCII decimal integer, or None; str.isdigit() also accepts '²', which int() then refuses."""
    if not value:
        return None
    digits = value[1:] if signed and value[0] == "-" else value
    return int(value) if digits.isascii() and digits.isdigit() else None
