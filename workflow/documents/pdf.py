"""Stage documents: Jinja templates under templates/pdf rendered to PDF by WeasyPrint.

One FontConfiguration per thread, reused for every render: without reuse a render peaks
near 1 GB; one shared across threads crashes the process (docs/architecture.md §6). The repo's
fontconfig file maps 宋体/仿宋/黑体/楷体 to the installed CJK families; it must be in
the environment before WeasyPrint (and so fontconfig) is first loaded.
"""
from __future__ import annotations

import os
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Any

FONTS_CONF = Path(__file__).resolve().parents[2] / "fonts" / "fonts.conf"
os.environ.setdefault("FONTCONFIG_FILE", str(FONTS_CONF))

from jinja2 import Environment, FileSystemLoader, select_autoescape  # noqa: E402
from weasyprint import HTML  # noqa: E402
from weasyprint.document import Document  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from workflow.core.display import chinese_date  # noqa: E402
from workflow.core.forms import to_date  # noqa: E402


def _dt(value: datetime | None) -> str:
    return "—" if value is None else f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"


def _d(value: date | str | None) -> str:
    return "—" if value is None or value == "" else chinese_date(to_date(value))


def _short(value: str | None) -> str:
    return (value or "")[:12]


def _blank(value: Any) -> Any:
    return "—" if value is None or value == "" or value == [] else value


class PdfRenderer:
    def __init__(self, template_dir: Path):
        self.template_dir = Path(template_dir)
        self.env = Environment(loader=FileSystemLoader(str(self.template_dir)),
                               autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
        self.env.filters.update(dt=_dt, d=_d, short=_short, blank=_blank)
        self._local = threading.local()

    def has_template(self, template: str) -> bool:
        return (self.template_dir / f"{template}.html").is_file()

    def render_html(self, template: str, context: dict[str, Any]) -> str:
        return self.env.get_template(f"{template}.html").render(**context)

    def font_config(self) -> FontConfiguration:
        config = getattr(self._local, "font_config", None)
        if config is None:
            config = self._local.font_config = FontConfiguration()
        return config

    def render(self, template: str, context: dict[str, Any]) -> bytes:
        html = self.render_html(template, context)
        return HTML(string=html, base_url=str(self.template_dir)).write_pdf(font_config=self.font_config())

    def layout(self, template: str, context: dict[str, Any]) -> Document:
        """The laid-out pages, before writing: a caller can see on which page each anchor (id) landed."""
        html = self.render_html(template, context)
        return HTML(string=html, base_url=str(self.template_dir)).render(font_config=self.font_config())
