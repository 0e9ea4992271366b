"""职工意见建议 as a plug-in, as processes/<key>/plugin.py would have it: importing the guards registers the guard and
its SQL forms; the domain, the page and its menu entry are listed in the one `Process`."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from support.plugin_process import guards, pages  # noqa: F401 (the guard and its SQL forms register on import)
from support.plugin_process.domain import SuggestionDomain
from web.plugins import NavEntry, Process

PROCESS = Process(
    key="suggestion",
    domain=SuggestionDomain(),
    blueprints=(pages.bp,),
    nav=(NavEntry("suggestions.register", _l("意见台账"), shown_to=pages.may_read),),
)
