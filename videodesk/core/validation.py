"""Field rules shared by the API and the studio forms; each failure is an Invalid error naming the field."""
import re

from videodesk.core.errors import Invalid
from videodesk.core.text import is_storable


def text_field(data: dict, name: str, *, required=False, max_length=300, default=None):
    value = data.get(name, default)
    if value is None:
        if required:
            raise Invalid(code="missing_field", message=f"'{name}' is required.")
        return default
    if not isinstance(value, str):
        raise Invalid(f"'{name}' must be a string.")
    value = value.strip()
    if not is_storable(value):
        raise Invalid(f"'{name}' contains characters that are not text (NUL or lone surrogates).")
    if required and not value:
        raise Invalid(code="missing_field", message=f"'{name}' must not be empty.")
    if len(value) > max_length:
        raise Invalid(f"'{name}' is longer than {max_length} characters.")
    return value


def choice_field(data: dict, name: str, choices) -> str:
    """One of a fixed set of strings; anything else (a list, a number, a typo) names the valid ones."""
    value = data.get(name)
    if not isinstance(value, str) or value not in choices:
        raise Invalid(f"'{name}' must be one of: {', '.join(choices)}.")
    return value


# BCP 47 in the shape the web uses it: a 2-3 letter language, then ASCII subtags ("en", "pt-BR", "zh-Hant-TW").
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}")


def is_language_tag(value) -> bool:
    return isinstance(value, str) and LANGUAGE_TAG.fullmatch(value) is not None


def language_tag(value, name: str = "lang", default: str | None = "en") -> str | None:
    """A language tag for captions and pages; it also names caption files, so nothing else gets through."""
    if value is None or value == "":
        return default
    tag = value.strip() if isinstance(value, str) else value
    if not is_language_tag(tag):
        raise Invalid(f"'{name}' must be a BCP 47 language tag such as 'en' or 'pt-BR'.")
    return tag
