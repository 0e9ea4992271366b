"""The working-day calendar: the shipped 2026/2027 files, how working days are counted, and the validator."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from workflow.core.definition import DefinitionError
from workflow.core.workdays import (
    CALENDAR_DIR,
    CalendarError,
    WorkCalendar,
    load_dir,
    parse,
)

D = date.fromisoformat


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return load_dir(CALENDAR_DIR)


def days(first: str, last: str) -> set[date]:
    start, end = D(first), D(last)
    return {start + timedelta(days=i) for i in range((end - start).days + 1)}


def year_days(year: int) -> list[date]:
    return [date(year, 1, 1) + timedelta(days=i) for i in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)]


# --- the shipped calendars ---------------------------------------------------------------------------------

def test_shipped_calendars_load(cal):
    assert sorted(cal.years) == [2026, 2027]
    official = cal.years[2026]
    assert not official.provisional
    assert official.source["number"] == "国办发明电〔2025〕7号" and official.source["date"] == "2025-11-04"
    assert cal.years[2027].provisional and cal.is_provisional(date(2027, 6, 9))
    assert not cal.is_provisional(date(2026, 6, 19)) and not cal.is_provisional(date(2028, 1, 3))


def test_2026_matches_the_state_council_notice_day_by_day(cal):
    # 国办发明电〔2025〕7号, written out day by day independently of the file's from/to ranges.
    weekdays_off = ({D("2026-01-01"), D("2026-01-02")} | days("2026-02-16", "2026-02-20") | {D("2026-02-23")}
                    | {D("2026-04-06")} | {D("2026-05-01"), D("2026-05-04"), D("2026-05-05")} | {D("2026-06-19")}
                    | {D("2026-09-25")} | {D("2026-10-01"), D("2026-10-02")} | days("2026-10-05", "2026-10-07"))
    weekends_on = {D(d) for d in ("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10")}
    for day in year_days(2026):
        expected = (day.weekday() < 5 and day not in weekdays_off) or day in weekends_on
        assert cal.is_workday(day) is expected, day
    # 261 weekdays, 13 statutory days on weekdays (清明, 劳动节 and 国庆 made up on Mondays), the rest paid back by 调休.
    assert cal.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 248


def test_2026_spring_festival_and_national_day(cal):
    assert {cal.holiday_name(d) for d in days("2026-02-15", "2026-02-23")} == {"春节"}
    assert cal.holiday_name(date(2026, 2, 16)) == "春节"  # 除夕, 腊月二十九
    assert not any(cal.is_workday(d) for d in days("2026-02-15", "2026-02-23"))
    assert cal.is_workday(date(2026, 2, 14)) and cal.is_workday(date(2026, 2, 28))  # Saturdays, 调休
    assert cal.is_workday(date(2026, 2, 24)) and not cal.is_workday(date(2026, 2, 21))
    assert not any(cal.is_workday(d) for d in days("2026-10-01", "2026-10-07"))
    assert cal.is_workday(date(2026, 9, 20)) and cal.is_workday(date(2026, 10, 10))  # Sunday and Saturday, 调休
    assert cal.is_workday(date(2026, 10, 8)) and not cal.is_workday(date(2026, 10, 11))
    assert cal.holiday_name(date(2026, 10, 10)) is None and cal.holiday_name(date(2026, 3, 2)) is None
    # the lunar holidays: 清明 4月5日, 端午 6月19日, 中秋 9月25日
    assert [cal.holiday_name(date(2026, m, d)) for m, d in ((4, 5), (6, 19), (9, 25))] == ["清明节", "端午节", "中秋节"]


def test_2027_is_provisional_from_the_statutory_rule(cal):
    statutory = {"元旦": ["2027-01-01"], "春节": ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"],
                 "清明节": ["2027-04-05"], "劳动节": ["2027-05-01", "2027-05-02"], "端午节": ["2027-06-09"],
                 "中秋节": ["2027-09-15"], "国庆节": ["2027-10-01", "2027-10-02", "2027-10-03"]}
    for name, dates in statutory.items():
        assert [cal.holiday_name(D(d)) for d in dates] == [name] * len(dates)
    made_up = ["2027-02-09", "2027-02-10", "2027-05-03", "2027-05-04", "2027-10-04", "2027-10-05"]
    assert not any(cal.is_workday(D(d)) for d in made_up)  # statutory days on a weekend, made up on weekdays
    assert cal.is_workday(date(2027, 2, 11)) and cal.is_workday(date(2027, 10, 6))
    assert not cal.years[2027].workdays  # 调休 Saturdays unknown until the notice
    assert cal.working_days_between(date(2026, 12, 31), date(2027, 12, 31)) == 261 - 13


# --- counting ----------------------------------------------------------------------------------------------

def test_the_start_day_never_counts(cal):
    # A 公示 posted on Thursday 12 March 2026 runs from the Friday; 5 working days end on the Thursday after.
    assert cal.add_working_days(date(2026, 3, 12), 5) == date(2026, 3, 19)
    assert cal.add_working_days(date(2026, 3, 13), 5) == date(2026, 3, 20)  # from a Friday: the Friday after
    assert cal.add_working_days(date(2026, 3, 14), 5) == date(2026, 3, 20)  # from a Saturday: the same
    assert cal.add_working_days(date(2026, 3, 12), 0) == date(2026, 3, 12)
    assert cal.add_working_days(date(2026, 2, 21), 1) == date(2026, 2, 24)  # from inside 春节


def test_add_working_days_across_a_holiday(cal):
    # 国庆: 30 Sep (1), 1–7 Oct off, 8 (2), 9 (3), Saturday 10 调休 (4), Sunday 11 off, 12 (5).
    assert cal.add_working_days(date(2026, 9, 29), 5) == date(2026, 10, 12)
    # 春节 (9 days) with the 调休 Saturday before it: 10, 11, 12, 13, Sat 14, then 24 February.
    assert cal.add_working_days(date(2026, 2, 9), 6) == date(2026, 2, 24)
    assert cal.add_working_days(date(2026, 4, 2), 2) == date(2026, 4, 7)  # 清明: Fri 3, Mon 6 off, Tue 7


def test_add_working_days_across_a_make_up_workday(cal):
    # Sunday 20 September 2026 is a working day (国庆 调休): Fri 18 (1), Sun 20 (2), 21, 22, Wed 23 (5).
    assert cal.add_working_days(date(2026, 9, 17), 5) == date(2026, 9, 23)
    assert WorkCalendar().add_working_days(date(2026, 9, 17), 5) == date(2026, 9, 24)  # Monday–Friday only


def test_a_gongshi_ending_on_a_weekend_before_a_tiaoxiu_workday(cal):
    # Posted Monday 9 February 2026: 10, 11, 12, 13 and Saturday 14 February (调休 for 春节). It ends on that
    # Saturday — not on Monday 16 (春节), nor on Tuesday 24 (holidays skipped, the make-up day ignored).
    assert cal.add_working_days(date(2026, 2, 9), 5) == date(2026, 2, 14)
    assert date(2026, 2, 14).weekday() == 5
    # The same after 国庆: posted Monday 28 September, it ends on Saturday 10 October (调休).
    assert cal.add_working_days(date(2026, 9, 28), 5) == date(2026, 10, 10)
    # A period already over on the Friday is not stretched to the 调休 Saturday after it.
    assert cal.add_working_days(date(2026, 2, 6), 5) == date(2026, 2, 13)


def test_working_days_between(cal):
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2  # Sat 14 (调休) and Tue 24
    assert cal.working_days_between(date(2026, 2, 24), date(2026, 2, 13)) == -2
    assert cal.working_days_between(date(2026, 3, 12), date(2026, 3, 12)) == 0
    for start in (date(2026, 2, 9), date(2026, 9, 17), date(2026, 12, 28), date(2027, 2, 1)):
        for n in range(12):
            assert cal.working_days_between(start, cal.add_working_days(start, n)) == n


def test_next_workday(cal):
    assert cal.next_workday(date(2026, 2, 14)) == date(2026, 2, 14)
    assert cal.next_workday(date(2026, 2, 15)) == date(2026, 2, 24)
    assert cal.next_workday(date(2026, 10, 3)) == date(2026, 10, 8)


def test_outside_the_covered_years_monday_to_friday(cal):
    assert not cal.covers(date(2025, 10, 1)) and not cal.covers(date(2028, 1, 1))
    assert cal.covers(date(2026, 1, 1)) and cal.covers(date(2027, 12, 31))
    assert cal.is_workday(date(2025, 10, 1))  # 国庆 2025, but no 2025 calendar: a Wednesday is a working day
    assert not cal.is_workday(date(2025, 9, 28))  # a 2025 调休 Sunday: unknown, so a day off
    assert cal.add_working_days(date(2027, 12, 30), 3) == date(2028, 1, 4)  # Fri 31, then Mon 3, Tue 4 (2028)
    assert cal.working_days_between(date(2024, 12, 31), date(2025, 12, 31)) == 261
    empty = WorkCalendar()
    assert not empty.covers(date(2026, 2, 16)) and empty.is_workday(date(2026, 2, 16))


def test_the_years_a_deadline_may_reach_without_a_calendar(cal):
    assert cal.missing_years(date(2026, 11, 23)) == []
    assert cal.missing_years(date(2027, 12, 3)) == [2028]  # the suite a year ahead: deadlines run into 2028
    assert cal.missing_years(date(2030, 1, 1)) == [2030, 2031]


def test_only_plain_dates_and_whole_days(cal):
    with pytest.raises(TypeError, match="not a datetime"):
        cal.is_workday(datetime(2026, 2, 16, 7, 0))
    with pytest.raises(TypeError):
        cal.add_working_days("2026-02-16", 1)
    with pytest.raises(ValueError):
        cal.add_working_days(date(2026, 2, 16), -1)


# --- the validator -----------------------------------------------------------------------------------------

GOOD = """\
year: 2026
source: {title: 国务院办公厅关于2026年部分节假日安排的通知, number: 国办发明电〔2025〕7号, date: 2025-11-04}
holidays:
  - {name: 春节, from: 2026-02-15, to: 2026-02-23}
  - {name: 国庆节, from: 2026-10-01, to: 2026-10-07}
workdays:
  - {date: 2026-02-14, holiday: 春节}
  - {date: 2026-10-10, holiday: 国庆节}
"""


def problems_in(tmp_path: Path, **files: str) -> list[str]:
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError) as caught:
        load_dir(tmp_path)
    return [str(p) for p in caught.value.problems]


def test_a_good_file_loads(tmp_path):
    (tmp_path / "2026.yaml").write_text(GOOD, encoding="utf-8")
    calendar = load_dir(tmp_path)
    assert calendar.is_workday(date(2026, 2, 14)) and not calendar.is_workday(date(2026, 2, 16))
    single = parse(GOOD.replace("from: 2026-10-01, to: 2026-10-07", "from: 2026-10-01"), "2026.yaml")
    assert single.holidays[1].days() == [date(2026, 10, 1)]  # `to` left out: one day


def test_a_date_in_the_wrong_year(tmp_path):
    found = problems_in(tmp_path, **{"2026": GOOD.replace("to: 2026-10-07", "to: 2027-10-07")
                                               .replace("date: 2026-10-10", "date: 2025-10-11")})
    file = str(tmp_path / "2026.yaml")
    assert f"{file}: holidays[1].to: 2027-10-07 is not in 2026, the year of this calendar" in found
    assert f"{file}: workdays[1].date: 2025-10-11 is not in 2026, the year of this calendar" in found


def test_a_make_up_day_on_a_wednesday(tmp_path):
    found = problems_in(tmp_path, **{"2026": GOOD.replace("date: 2026-02-14", "date: 2026-02-11")})
    assert found == [f"{tmp_path / '2026.yaml'}: workdays[0].date: 2026-02-11 is a Wednesday: a make-up workday "
                     "(调休上班) must be a Saturday or a Sunday"]


def test_duplicates_and_a_make_up_day_that_is_a_holiday(tmp_path):
    text = GOOD + "  - {date: 2026-10-10, holiday: 国庆节}\n  - {date: 2026-02-22, holiday: 春节}\n"
    found = problems_in(tmp_path, **{"2026": text})
    file = tmp_path / "2026.yaml"
    assert found == [
        f"{file}: workdays[2].date: duplicate date 2026-10-10: already in workdays[1]",
        f"{file}: workdays[3].date: 2026-02-22 is also a day off, in holidays[0] (春节)",
    ]
    overlapping = GOOD.replace("from: 2026-10-01, to: 2026-10-07", "from: 2026-02-22, to: 2026-02-25")
    found = problems_in(tmp_path, **{"2026": overlapping})
    assert found == [f"{file}: holidays[1]: duplicate date 2026-02-22: already in holidays[0] (春节)"]
    too_long = GOOD.replace("to: 2026-10-07", "to: 2026-12-07")  # a typo for 10-07
    found = problems_in(tmp_path, **{"2026": too_long})
    assert found == [f"{file}: holidays[1]: 68 days off in a row, more than 14: check the dates"]


def test_schema_and_meaning_problems_of_several_files_at_once(tmp_path):
    broken = """\
year: 2026
source: {title: 某通知}
holidays:
  - {name: 春节假期, from: 2026-02-30, to: 2026-02-23}
  - {name: 国庆节, from: 2026-10-07, to: 2026-10-01}
workdays:
  - {date: 2026-02-14, holiday: 春节}
  - {day: 2026-10-10}
colour: red
"""
    found = problems_in(tmp_path, **{"2026": broken, "2025": GOOD})
    file, misnamed = tmp_path / "2026.yaml", tmp_path / "2025.yaml"
    assert f"{misnamed}: year: the calendar for 2026 must be named 2026.yaml" in found
    expected = [
        f"{file}: (root): Additional properties are not allowed ('colour' was unexpected)",
        f"{file}: holidays[0].from: '2026-02-30' is not a 'date'",
        f"{file}: workdays[1]: 'date' is a required property",
        f"{file}: source: 'number' is missing: a calendar that is not provisional cites the notice's number "
        "(国办发明电〔YYYY〕N号) and date",
        f"{file}: holidays[0].name: unknown holiday '春节假期' (known: 元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节; "
        "join two with 、)",
        f"{file}: holidays[1].to: 2026-10-01 is before 2026-10-07",
        f"{file}: workdays[0].holiday: '春节' is not a holiday of this file (its holidays: 国庆节, 春节假期)",
    ]
    for problem in expected:
        assert problem in found
    with pytest.raises(DefinitionError):  # the same family as the process definitions' errors
        load_dir(tmp_path)


def test_a_provisional_year_needs_no_notice_number_and_a_joined_name_is_known(tmp_path):
    text = """\
year: 2028
provisional: true
source: {title: 推算}
holidays:
  - {name: 中秋节、国庆节, from: 2028-10-01, to: 2028-10-08}
workdays: []
"""
    (tmp_path / "2028.yaml").write_text(text, encoding="utf-8")
    calendar = load_dir(tmp_path)
    assert calendar.holiday_name(date(2028, 10, 3)) == "中秋节、国庆节" and calendar.is_provisional(date(2028, 1, 1))


def test_yaml_errors_and_a_missing_folder(tmp_path):
    found = problems_in(tmp_path, **{"2026": "year: [2026"})
    assert len(found) == 1 and "YAML syntax error" in found[0]
    with pytest.raises(CalendarError, match="no such folder"):
        load_dir(tmp_path / "missing")
    with pytest.raises(CalendarError, match="a calendar must be a mapping|is not of type 'object'"):
        parse("- 2026", "2026.yaml")
