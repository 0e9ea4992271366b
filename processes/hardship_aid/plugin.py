"""Hardship aid (困难职工帮扶) as a plug-in: its YAML does the rest; the plug-in adds the year's report."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from processes.hardship_aid import pages, report
from web.plugins import NavEntry, Process

PROCESS = Process(
    key="hardship_aid",
    blueprints=(pages.bp,),
    nav=(NavEntry("reports.hardship", _l("统计"), shown_to=report.may_read),),
)
