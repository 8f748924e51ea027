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
