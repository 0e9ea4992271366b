"""Median stage-PDF time through the app's renderer beside bare WeasyPrint on the same HTML, and peak memory.

Run in its own process so that its peak RSS is the rendering's alone.
"""
from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from weasyprint import HTML  # noqa: E402

from workflow.documents.pdf import PdfRenderer  # noqa: E402  (sets FONTCONFIG_FILE before WeasyPrint loads)

NOW = datetime(2026, 11, 23, 14, 5)
CONTEXT = {
    "org_name": "示例公司工会委员会",
    "doc": {"key": "acceptance_notice", "title": "立案通知书"},
    "case": {"number": "TA-2026-0001", "workflow": "proposal", "workflow_label": "职代会提案",
             "title": "关于改善职工食堂就餐环境的提案", "state": "handling", "state_label": "办理中",
             "submitter": "张伟", "submitter_unit": "第一车间", "unit": "第一车间", "created_at": NOW,
             "due_date": date(2026, 12, 23)},
    "fields": [{"key": "title", "label": "提案标题", "value": "关于改善职工食堂就餐环境的提案", "long": False},
               {"key": "category", "label": "提案类别", "value": "生活福利", "long": False},
               {"key": "lead_unit", "label": "主办单位", "value": "后勤保障部", "long": False},
               {"key": "co_units", "label": "协办单位", "value": "第一车间", "long": False},
               {"key": "due_date", "label": "答复期限", "value": "2026年12月23日", "long": False}],
    "data": {"lead_unit": "后勤保障部", "co_units": "第一车间"},
    "raw": {"co_units": ["CJ1"], "due_date": "2026-12-23"},
    "seconders": ["王芳", "刘洋"],
    "opinions": [{"action": a, "actor": n, "role": r, "at": NOW, "comment": c} for a, n, r, c in (
        ("提交提案", "张伟", "职工代表", ""), ("附议", "王芳", "职工代表", "同意"), ("附议", "刘洋", "职工代表", ""),
        ("立案", "赵敏", "提案工作委员会", "同意立案"))],
    "event": {"action": "立案", "actor": "赵敏", "role": "提案工作委员会", "at": NOW, "comment": "同意立案"},
    "predecessor_hash": "9f2c" * 16,
    "issued_at": NOW,
    "rehandling": False,
}


def median_ms(func, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    renderer = PdfRenderer(ROOT / "templates" / "pdf")
    start = time.perf_counter()
    pages = renderer.render("acceptance_notice", CONTEXT)
    first_ms = (time.perf_counter() - start) * 1000
    html = renderer.render_html("acceptance_notice", CONTEXT)
    base = str(ROOT / "templates" / "pdf")
    config = renderer.font_config()
    app_ms = median_ms(lambda: renderer.render("acceptance_notice", CONTEXT), runs)
    bare_ms = median_ms(lambda: HTML(string=html, base_url=base).write_pdf(font_config=config), runs)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"first_render_ms": round(first_ms), "stage_pdf_median_ms": round(app_ms, 1),
                      "bare_weasyprint_median_ms": round(bare_ms, 1), "ratio": round(app_ms / bare_ms, 3),
                      "pdf_bytes": len(pages), "peak_rss_mb": round(peak_mb)}))


if __name__ == "__main__":
    main()
