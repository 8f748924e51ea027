"""Names of languages for menus and labels (caption and audio tracks)."""

LANGUAGE_NAMES = {"en": "English", "es": "Español", "fr": "Français", "de": "Deutsch", "it": "Italiano",
                  "pt": "Português", "nl": "Nederlands", "ar": "العربية", "zh": "中文", "ja": "日本語"}
# "translated from ...": machine translations are made into English, so their label names the
# source language in English.
ENGLISH_NAMES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian",
                 "pt": "Portuguese", "nl": "Dutch", "ar": "Arabic", "zh": "Chinese", "ja": "Japanese",
                 "ru": "Russian", "uk": "Ukrainian", "pl": "Polish", "tr": "Turkish", "ko": "Korean",
                 "hi": "Hindi", "sv": "Swedish", "da": "Danish", "no": "Norwegian", "fi": "Finnish",
                 "el": "Greek", "cs": "Czech", "ro": "Romanian", "hu": "Hungarian", "he": "Hebrew",
                 "fa": "Persian", "id": "Indonesian", "vi": "Vietnamese", "th": "Thai", "ca": "Catalan"}


def language_name(tag: str) -> str:
    """What a track menu shows for a BCP 47 tag: the language's own name when known, else the tag."""
    return LANGUAGE_NAMES.get(tag.split("-")[0].lower(), tag)


def sound_name(tag: str) -> str:
    """What an audio menu shows for a sound stream: an untagged one ('und') is the original sound."""
    return "Original sound" if tag.lower() == "und" else language_name(tag)
