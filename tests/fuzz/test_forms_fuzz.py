"""Hypothesis over the form validator, with the fields of every step of the real definitions (definitions/*.yaml):
whatever JSON-like data comes, the answer is clean values or FormErrors — never another exception, never slow, and
never a value or message that could not be stored or written out."""
from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bootstrap import load_workflows
from workflow.core import forms

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = load_workflows(ROOT / "definitions", None)
TODAY = date(2026, 11, 23)
UNITS = {"GH": "工会办公室", "CJ1": "第一车间", "HQ": "后勤保障部"}
STEPS = sorted({(key, t.trigger, t.fields) for key, d in WORKFLOWS.current.items() for t in d.transitions
                if t.fields} | {(key, "save_draft", WORKFLOWS.engine(d.version).draft_fields())
                                for key, d in WORKFLOWS.current.items()}, key=lambda s: s[:2])
# What a person or a script might type into any field: numbers of every size and spelling, dates good and odd,
# codes, and characters no database stores.
NASTY = ["", " ", "0", "-0", "1", "-1", "20", "1.005", "1e999999", "-1e999999", "1e-999999", "1e30", "9" * 40,
         "NaN", "Infinity", "1_000", "١٢٣", "0x10", "2026-11-30", "20261130", "9999-12-31", "1899-12-31",
         "2026-02-30", "２０２６-１１-３０", "true", "on", "no", "CJ1", "HQ", "XX", "zhang", "\x00", "a\ud800b",
         "\u202eevil", "字" * 300]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=-(2**70), max_value=2**70),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30), st.sampled_from(NASTY))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                      max_leaves=12)
REFERENCE = st.fixed_dictionaries({"sha256": st.sampled_from(["0" * 64, "g" * 64, 5]),
                                   "name": st.one_of(st.text(max_size=10), st.none()),
                                   "type": st.sampled_from(["application/pdf", "text/html", ["image/png"]]),
                                   "size": st.one_of(st.integers(), st.text(max_size=3))})


@st.composite
def step_and_data(draw):
    key, trigger, fields = draw(st.sampled_from(STEPS))
    names = [f.name for f in fields]
    data = draw(st.dictionaries(st.one_of(st.sampled_from(names), st.text(max_size=12)),
                                st.one_of(VALUES, REFERENCE, st.lists(REFERENCE, max_size=3)), max_size=len(names) + 3))
    comment = draw(st.one_of(st.none(), st.text(max_size=40), st.sampled_from(NASTY), st.integers()))
    return fields, data, comment


@settings(max_examples=800, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(step_and_data())
def test_any_data_gives_clean_values_or_form_errors(case):
    fields, data, comment = case
    started = time.process_time()  # this process's CPU: a busy machine (other workers, a benchmark) does not count
    try:
        clean = forms.validate(fields, data, today=TODAY, units=UNITS, comment=comment)
    except forms.FormErrors as refused:
        assert refused.fields and all(isinstance(k, str) and isinstance(v, str) for k, v in refused.fields.items())
        json.dumps(refused.fields, ensure_ascii=False).encode("utf-8")  # an error the API can write out
    else:
        assert set(clean) <= {f.name for f in fields}
        text = json.dumps(clean, ensure_ascii=False, allow_nan=False)  # storable as JSON, finite numbers only
        text.encode("utf-8")
        assert "\\u0000" not in text
    assert time.process_time() - started < 0.5


@pytest.mark.parametrize("value", NASTY)
def test_every_nasty_value_in_every_field(value):
    """The list above, in every field of every step: a plain sweep beside the random one."""
    for _, _, fields in STEPS:
        for f in fields:
            try:
                forms.validate((f,), {f.name: value}, today=TODAY, units=UNITS)
            except forms.FormErrors:
                pass
