"""The form validator bounds what could cost before converting it: numbers, dates, names, characters (issue 13)."""
from __future__ import annotations

import time
from datetime import date

import pytest

from workflow.core import forms
from workflow.core.definition import Field, Label

TODAY = date(2026, 11, 23)
UNITS = {"GH": "工会办公室", "HQ": "后勤保障部"}


def field(kind: str, **kwargs) -> Field:
    return Field(name="x", label=Label("字段", "Field"), type=kind, **kwargs)


def refusal(f: Field, value, **kwargs) -> str:
    with pytest.raises(forms.FormErrors) as refused:
        forms.validate((f,), {"x": value}, today=TODAY, units=UNITS, **kwargs)
    return refused.value.fields["x"]


def clean(f: Field, value):
    return forms.validate((f,), {"x": value}, today=TODAY, units=UNITS)["x"]


@pytest.mark.parametrize("value", ["1e999999", "-1e999999", 10**4000, "9" * 41],
                         ids=["1e999999", "-1e999999", "10**4000", "41 nines"])
def test_a_number_of_a_million_digits_is_refused_at_once(value):
    started = time.perf_counter()
    message = refusal(field("integer"), value)  # no min/max of its own: the validator's ceiling holds
    assert time.perf_counter() - started < 0.5
    assert message.startswith(("不能大于", "不能小于", "数字过长"))


def test_integers_stay_within_what_json_carries_exactly():
    assert clean(field("integer"), 2**53 - 1) == 2**53 - 1
    assert refusal(field("integer"), 2**53) == "不能大于 9007199254740991"
    assert refusal(field("integer"), -(2**53)) == "不能小于 -9007199254740991"
    assert refusal(field("integer", minimum=1, maximum=20), "1e999999") == "不能大于 20"


@pytest.mark.parametrize("value", [1e30, "1e30", "1E+400", 10**15])
def test_money_beyond_a_trillion_is_refused_not_a_crash(value):
    assert refusal(field("decimal"), value) == "不能大于 999999999999.99"


def test_money_keeps_two_places_and_bounds_print_plainly():
    assert clean(field("decimal"), "999999999999.99") == 999999999999.99
    assert clean(field("decimal"), "12.345") == 12.34  # to the cent, half to even as before
    assert clean(field("decimal"), "1e-999999") == 0.0
    assert refusal(field("decimal", maximum=1000000), 2000000) == "不能大于 1000000"  # not 1e+06


@pytest.mark.parametrize("value", [[1], {"a": 1}, True, None])
def test_a_number_is_a_number(value):
    f = field("integer", required=True)
    assert refusal(f, value) in ("应为数字", "此项为必填项")


@pytest.mark.parametrize("value", ["20260101", "2026-1-5", "２０２６-０１-０１", 20260101, "2026-02-30"])
def test_a_date_is_written_yyyy_mm_dd_only(value):
    assert refusal(field("date"), value) == "日期格式应为 YYYY-MM-DD"


def test_a_date_lies_between_1900_and_ten_years_ahead():
    assert clean(field("date"), "2036-12-31") == "2036-12-31"
    assert refusal(field("date"), "9999-12-31") == "日期应在 1900-01-01 至 2036-12-31 之间"
    assert refusal(field("date"), "1899-12-31") == "日期应在 1900-01-01 至 2036-12-31 之间"


def test_a_unit_field_takes_one_code_and_a_units_field_codes():
    assert refusal(field("unit"), ["GH"]) == "应为一个单位代码"
    assert refusal(field("unit"), {"GH": 1}) == "应为一个单位代码"
    assert refusal(field("units"), [["GH"]]) == "应为单位代码的列表"
    assert clean(field("units"), ["GH", "HQ", "GH"]) == ["GH", "HQ"]


def test_attachments_must_be_references_whatever_is_sent():
    for value in (5, "x", [{"sha256": "0" * 64, "name": "a", "type": ["application/pdf"], "size": 1}]):
        assert refusal(field("files"), value).startswith("附件应先上传")


@pytest.mark.parametrize("text", ["a\ud800b", "\udfff", "a\x00b", "bell\x07"])
def test_text_with_a_lone_surrogate_or_a_control_character_is_refused(text):
    assert refusal(field("text"), text) == forms.INVALID_CHARACTERS
    with pytest.raises(forms.FormErrors) as refused:
        forms.validate((), {}, today=TODAY, units=UNITS, comment=text)
    assert refused.value.fields == {"comment": forms.INVALID_CHARACTERS}


def test_tabs_and_line_breaks_are_text():
    assert clean(field("text"), "第一行\r\n\t第二行") == "第一行\r\n\t第二行"


def test_text_without_its_own_limit_has_one():
    assert refusal(field("text"), "字" * (forms.TEXT_MAX + 1)).startswith(f"不能超过 {forms.TEXT_MAX} 个字符")


def test_unknown_names_are_echoed_short_few_and_printable():
    data = {"n" * 1_000_000: 1, "\ud800": 2, **{f"k{i}": i for i in range(50)}}
    with pytest.raises(forms.FormErrors) as refused:
        forms.validate((), data, today=TODAY, units=UNITS)
    names = refused.value.fields
    assert len(names) == forms.MAX_UNKNOWN and all(len(name) <= forms.NAME_SHOWN + 1 for name in names)
    assert "n" * forms.NAME_SHOWN + "…" in names and "\\ud800" in names
    str(refused.value).encode("utf-8")  # an error message that can be written out


def test_too_many_names_are_refused_before_any_is_looked_at():
    with pytest.raises(forms.FormErrors) as refused:
        forms.validate((), {f"k{i}": i for i in range(forms.MAX_KEYS + 1)}, today=TODAY, units=UNITS)
    assert refused.value.fields == {"data": f"字段过多（最多 {forms.MAX_KEYS} 个）"}
