"""Chinese by default, English on request: the UI's language and the definitions' zh/en labels."""
from __future__ import annotations

from typing import Any

from flask import Flask, session
from flask_babel import Babel, get_locale, gettext

LANGUAGES = {"zh_CN": "中文", "en": "English"}
babel = Babel()


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return "zh_CN"


def lang() -> str:
    """'zh' or 'en': the key of a definition Label for the current locale."""
    return "en" if str(get_locale()).startswith("en") else "zh"


def label(value: Any) -> str:
    """A definition Label ({zh, en}) in the current language; anything else as it is."""
    if hasattr(value, "zh") and hasattr(value, "en"):
        return value.en if lang() == "en" and value.en else value.zh
    return "" if value is None else str(value)


def init_app(app: Flask, translations: str) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh_CN")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = translations
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(label=label, lang=lang, step_label=step_label, LANGUAGES=LANGUAGES)


def message(refused: Any) -> str:
    """A refusal's message in the current language (the Chinese one when there is no English)."""
    return refused.message_en if lang() == "en" and getattr(refused, "message_en", "") else refused.message


def step_label(definition: Any, trigger: str) -> str:
    """The name of a step in a case's history, in the current language."""
    if trigger == "create":
        return gettext("创建草稿")
    for t in definition.transitions:
        if t.trigger == trigger:
            return label(t.label)
    return trigger
