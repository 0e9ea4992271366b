"""The event (活动) as a plug-in: its domain hooks, the calendar and sign-up pages, the API, the menu entry, demo."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from processes.event import api, demo, models, pages  # noqa: F401 (models register its tables)
from processes.event.domain import EventDomain
from web.plugins import NavEntry, Process

PROCESS = Process(
    key="event",
    domain=EventDomain(),
    blueprints=(pages.bp,),
    api=(api.bp,),
    openapi=api.OPENAPI,
    nav=(NavEntry("events.index", _l("活动")),),
    demo=demo.load,
)
