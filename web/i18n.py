"""Chinese by default, English on request: the UI's language and the definitions' zh/en labels.

UI strings are Chinese msgids in `_()` / `gettext()` (templates and web/*.py); the English catalogue is
translations/en/LC_MESSAGES/messages.po (compiled to .mo by the Makefile; `make translations` re-extracts).
"""
from __future__ import annotations

from typing import Any

from babel import Locale
from flask import Flask, g, session
from flask_babel import Babel, get_locale, get_translations, gettext

from workflow.core import display
from workflow.core.roles import role_label

LANGUAGES = {"zh_CN": "中文", "en": "English"}
babel = Babel()


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Marks a msgid for extraction (pybabel's default keywords include N_); translated when shown."""
    return message


_LOCALES = {code: Locale.parse(code) for code in LANGUAGES}  # parsed once, not on every request


def select_locale() -> Locale:
    return _LOCALES.get(session.get("lang", ""), _LOCALES["zh_CN"])


def catalogue() -> Any:
    """The request's catalogue, found once per request: Flask-Babel's own lookup, run for every string of a page,
    cost a third of rendering one."""
    found = g.get("catalogue")
    if found is None:
        found = g.catalogue = get_translations()
    return found


def lang() -> str:
    """'zh' or 'en': the key of a definition Label for the current locale."""
    return "en" if str(get_locale()).startswith("en") else "zh"


def label(value: Any) -> str:
    """A definition Label ({zh, en}) in the current language; anything else as it is."""
    if hasattr(value, "zh") and hasattr(value, "en"):
        return value.en if lang() == "en" and value.en else value.zh
    return "" if value is None else str(value)


def role_name(role: str) -> str:
    """A role (workflow/core/roles.py) by its name in the current language."""
    return role_label(role, lang())


def error_heading(message: str, message_en: str = "") -> str:
    """An error page's heading in the current language: our own messages (web/errors.py) from the catalogue,
    a refusal by its message_en, else the Chinese."""
    if lang() != "en" or not message:
        return message or message_en
    translated = gettext(message)
    if translated != message:
        return translated
    return message_en or message


def init_app(app: Flask, translations: str) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh_CN")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = translations
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined] (added by jinja2.ext.i18n)
        gettext=lambda s: catalogue().ugettext(s), ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n), newstyle=True)
    app.jinja_env.globals.update(label=label, lang=lang, step_label=step_label, LANGUAGES=LANGUAGES,
                                 role_name=role_name, message=message,
                                 error_heading=error_heading)


def message(refused: Any) -> str:
    """A refusal's message in the current language (the Chinese one when there is no English)."""
    return refused.message_en if lang() == "en" and getattr(refused, "message_en", "") else refused.message


def step_label(definition: Any, trigger: str) -> str:
    """The name of a step in a case's history, in the current language."""
    return display.action_label(definition, trigger, lang())


def acting_role(definition: Any, trigger: str, roles: Any) -> str:
    """The role that let someone take the step, in the current language."""
    return display.acting_role(definition, trigger, roles, lang())
