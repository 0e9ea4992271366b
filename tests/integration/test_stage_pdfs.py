"""Each stage PDF of a proposal reads back with its case number, its Chinese values and the chain to its predecessor."""
from __future__ import annotations

import io

import pdfplumber
from pypdf import PdfReader

EXPECTED = {
    "proposal_form": ["提案表", "关于改善职工食堂就餐环境的提案", "生活福利", "增加就餐座位并错峰开饭", "张伟"],
    "acceptance_notice": ["立案通知书", "后勤保障部", "第一车间", "赵敏", "同意立案"],
    "assignment_sheet": ["交办单", "后勤保障部"],
    "reply_letter": ["答复函", "已制定食堂改造方案", "列入计划解决", "周磊"],
    "evaluation_form": ["评价表", "满意", "改造方案切实可行"],
    "archive_result": ["办理结果", "关于改善职工食堂就餐环境的提案", "办理完毕"],
}


def test_every_stage_document_reads_back(api, service):
    case = api.walk_to("archived")
    documents = case["documents"]
    assert [d["stage"] for d in documents] == list(EXPECTED)
    previous = None
    for doc in documents:
        content = service.store.get(doc["sha256"])
        with pdfplumber.open(io.BytesIO(content)) as pdf:
            text = "".join(page.extract_text() or "" for page in pdf.pages).replace(" ", "")
        assert case["number"] in text, doc["stage"]
        for value in EXPECTED[doc["stage"]]:
            assert value in text, (doc["stage"], value)
        assert "第1页共" in text
        if previous:
            assert previous[:12] in text, f"{doc['stage']} does not name its predecessor {previous[:12]}"
        previous = doc["sha256"]
        fonts = [page["/Resources"]["/Font"] for page in PdfReader(io.BytesIO(content)).pages]
        embedded = [f.get_object()["/FontDescriptor"] for page in fonts for ref in page.values()
                    for f in [ref.get_object().get("/DescendantFonts", [ref])[0]]]
        assert embedded and all(any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")) for d in embedded)
