"""Working days in China: weekends, public holidays and 调休 make-up workdays (definitions/calendar/*.yaml).

One YAML file per year transcribes the State Council General Office's notice (国务院办公厅关于YYYY年部分节假日
安排的通知): its holiday periods and the Saturdays and Sundays that are working days. `load_dir` validates every
file of a folder — a JSON Schema for the shape, then the checks the schema cannot express — and reports every
problem with its file and path at once (`CalendarError`, a `DefinitionError`), as the process definitions do.
The format and how to add a year: definitions/README.md.

How `WorkCalendar` counts
- A day is a working day if the calendar lists it as a make-up workday (调休上班); otherwise if it lies in no
  holiday period and is a Monday to Friday.
- `add_working_days(start, n)` is the n-th working day *after* `start`. The day `start` itself never counts,
  working day or not: a period starts on the next day (民法典 第二百零一条: 开始的当日不计入，自下一日开始计算).
  The result is the period's last day, and the period runs through the whole of it (the timers fire once that
  day has ended in Beijing). A 公示 posted on a Thursday runs from the Friday; for 5 working days it counts
  Friday, Monday, Tuesday, Wednesday and Thursday and ends on the Thursday after. `n = 0` gives `start`.
- A period therefore always ends on a working day. It ends on a Saturday or Sunday only when that day is a
  调休 workday — and then it does end there: the make-up day is counted like any other working day, so a
  公示 posted on Monday 9 February 2026 for 5 working days counts 10, 11, 12, 13 and Saturday 14 February
  (调休 for 春节) and ends on Saturday 14 February; not on Monday 16 February (a holiday), nor, holidays skipped
  but the make-up day ignored, on Tuesday 24 February. When the n-th working day is a Friday and the Saturday
  after is a 调休 workday, the period still ends on the Friday: a make-up day is counted when it is reached,
  it never lengthens a period that is already over. Since the last day is a working day, the rule that a
  period ending on a holiday moves to the day after (民法典 第二百零三条) never has to move it.
- `working_days_between(a, b)` counts the working days d with a < d <= b (minus those with b < d <= a when b
  is before a), so that `working_days_between(a, add_working_days(a, n)) == n`.
- Years without a calendar file fall back to Monday to Friday; `covers(day)` says whether `day`'s year has a
  calendar (and `is_provisional(day)` whether that calendar is only a provisional one).
- Days are `datetime.date` in China's local time. A `datetime` is refused (TypeError): the UTC date of a
  Beijing morning before 08:00 is still the day before.

No Flask, no database: the timers and the engine call it with plain dates.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

import yaml
from jsonschema import Draft202012Validator

from workflow.core.definition import DefinitionError, Problem

CALENDAR_DIR = Path(__file__).resolve().parents[2] / "definitions" / "calendar"
# The holidays of 《全国年节及纪念日放假办法》 that every citizen has off; a period may join two ("中秋节、国庆节").
HOLIDAY_NAMES = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
MAX_PERIOD_DAYS = 14  # longer than any period so far (春节 2020, extended: 10 days): a longer one is a typo
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_DATE = {"type": "string", "format": "date"}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["year", "source", "holidays", "workdays"],
    "properties": {
        "year": {"type": "integer", "minimum": 2000, "maximum": 2199},
        "provisional": {"type": "boolean"},
        "source": {
            "type": "object",
            "required": ["title"],
            "properties": {
                "title": {"type": "string", "minLength": 1},
                "number": {"type": "string", "minLength": 1},
                "date": _DATE,
                "url": {"type": "string", "pattern": "^https?://"},
            },
            "additionalProperties": False,
        },
        "holidays": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "from"],
                "properties": {"name": {"type": "string", "minLength": 1}, "from": _DATE, "to": _DATE},
                "additionalProperties": False,
            },
        },
        "workdays": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["date", "holiday"],
                "properties": {"date": _DATE, "holiday": {"type": "string", "minLength": 1}},
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}
_VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


class _Loader(yaml.SafeLoader):
    """YAML without implicit timestamps: dates stay strings, so a bad one (2026-02-30) is a problem with a path."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class CalendarError(DefinitionError):
    """Every problem of the calendar files, each with its file and path."""


@dataclass(frozen=True)
class HolidayPeriod:
    name: str
    start: date
    end: date

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class MakeUpDay:
    """A Saturday or Sunday that is a working day (调休上班), and the holiday it pays for."""

    day: date
    holiday: str


@dataclass(frozen=True)
class YearCalendar:
    year: int
    source: Mapping[str, str]
    holidays: tuple[HolidayPeriod, ...]
    workdays: tuple[MakeUpDay, ...]
    provisional: bool = False
    path: str = ""


class WorkCalendar:
    """Working days over the years that have a calendar; Monday to Friday outside them. Never changes once built."""

    def __init__(self, calendars: Iterable[YearCalendar] = ()):
        years: dict[int, YearCalendar] = {}
        for calendar in calendars:
            if calendar.year in years:
                raise ValueError(f"two calendars for {calendar.year}")
            years[calendar.year] = calendar
        self.years: Mapping[int, YearCalendar] = MappingProxyType(years)
        self._off = {d: p.name for c in years.values() for p in c.holidays for d in p.days()}
        self._on = {m.day: m.holiday for c in years.values() for m in c.workdays}

    def __repr__(self) -> str:
        return f"WorkCalendar(years={sorted(self.years)})"

    def covers(self, day: date) -> bool:
        """Whether `day`'s year has a calendar; if not, working days are simply Monday to Friday."""
        return _day(day).year in self.years

    def missing_years(self, today: date) -> list[int]:
        """The years a deadline set today may reach (this one and the next) that have no calendar: their working
        days are Monday to Friday until someone adds the year's file (definitions/README.md)."""
        return [year for year in (today.year, today.year + 1) if year not in self.years]

    def is_provisional(self, day: date) -> bool:
        """Whether `day`'s year has only a provisional calendar (built before the State Council's notice)."""
        calendar = self.years.get(_day(day).year)
        return calendar is not None and calendar.provisional

    def is_workday(self, day: date) -> bool:
        day = _day(day)
        if day in self._on:
            return True
        return day not in self._off and day.weekday() < 5

    def holiday_name(self, day: date) -> str | None:
        """The holiday period `day` lies in (春节, 国庆节 ...), or None."""
        return self._off.get(_day(day))

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (which itself never counts): the last day of an n-working-day period."""
        day = _day(start)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"n must be a whole number of working days, 0 or more (got {n!r})")
        while n:
            day += timedelta(days=1)
            n -= self.is_workday(day)
        return day

    def next_workday(self, day: date) -> date:
        """`day` itself if it is a working day, else the first working day after it."""
        day = _day(day)
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def working_days_between(self, a: date, b: date) -> int:
        """The working days d with a < d <= b; negative (those with b < d <= a) when b is before a."""
        a, b = _day(a), _day(b)
        if b < a:
            return -self.working_days_between(b, a)
        return sum(self.is_workday(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        raise TypeError("pass a date in China's local time, not a datetime "
                        "(e.g. moment.astimezone(ZoneInfo('Asia/Shanghai')).date())")
    if not isinstance(value, date):
        raise TypeError(f"expected a datetime.date, got {type(value).__name__}")
    return value


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse(source: str, file: str) -> YearCalendar:
    """Parse one year's calendar; raise CalendarError listing every problem."""
    try:
        raw = yaml.load(source, Loader=_Loader)  # noqa: S506 - a SafeLoader without timestamps
    except yaml.YAMLError as exc:
        raise CalendarError([Problem(file, "", f"YAML syntax error: {exc}")]) from exc
    problems = [Problem(file, _path(e.absolute_path), e.message) for e in _VALIDATOR.iter_errors(raw)]
    if not isinstance(raw, dict):
        raise CalendarError(problems or [Problem(file, "", "a calendar must be a mapping")])
    problems += _Checker(raw, file).problems()
    if problems:
        raise CalendarError(problems)
    iso = date.fromisoformat
    return YearCalendar(
        year=raw["year"], source=MappingProxyType(dict(raw["source"])), provisional=raw.get("provisional", False),
        holidays=tuple(HolidayPeriod(h["name"], iso(h["from"]), iso(h.get("to", h["from"]))) for h in raw["holidays"]),
        workdays=tuple(MakeUpDay(iso(w["date"]), w["holiday"]) for w in raw["workdays"]),
        path=file,
    )


def load_file(path: Path) -> YearCalendar:
    return parse(path.read_text(encoding="utf-8"), str(path))


def load_dir(directory: Path = CALENDAR_DIR) -> WorkCalendar:
    """Load every `<year>.yaml` of a folder, collecting the problems of all files before failing."""
    if not directory.is_dir():
        raise CalendarError([Problem(str(directory), "", "no such folder")])
    calendars: dict[int, YearCalendar] = {}
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            calendar = load_file(path)
        except CalendarError as exc:
            problems += exc.problems
            continue
        if path.stem != str(calendar.year):
            problems.append(Problem(str(path), "year", f"the calendar for {calendar.year} must be named "
                                                       f"{calendar.year}.yaml"))
        elif calendar.year in calendars:  # cannot happen while files are named by year; kept for clarity
            problems.append(Problem(str(path), "year", f"a second calendar for {calendar.year}"))
        calendars[calendar.year] = calendar
    if problems:
        raise CalendarError(problems)
    return WorkCalendar(calendars.values())


class _Checker:
    """What the schema cannot say. Skips values the schema already refuses (not a date, not a string)."""

    def __init__(self, raw: dict[str, Any], file: str):
        self.raw, self.file = raw, file
        self.found: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.found.append(Problem(self.file, path, message))

    def problems(self) -> list[Problem]:
        raw = self.raw
        year = raw.get("year") if isinstance(raw.get("year"), int) else None
        source = raw.get("source") if isinstance(raw.get("source"), dict) else {}
        if raw.get("provisional") is not True:
            for key in ("number", "date"):
                if key not in source:
                    self.add("source", f"'{key}' is missing: a calendar that is not provisional cites the notice's "
                                       "number (国办发明电〔YYYY〕N号) and date")
        off: dict[date, str] = {}  # day -> where it was first listed
        names = set()
        for i, period in enumerate(_list(raw.get("holidays"))):
            if not isinstance(period, dict):
                continue
            at = f"holidays[{i}]"
            name = period.get("name")
            if isinstance(name, str):
                names.add(name)
                unknown = [part for part in name.split("、") if part not in HOLIDAY_NAMES]
                if unknown:
                    self.add(f"{at}.name", f"unknown holiday '{'、'.join(unknown)}' "
                                           f"(known: {', '.join(HOLIDAY_NAMES)}; join two with 、)")
            start = self._date(f"{at}.from", period.get("from"), year)
            end = self._date(f"{at}.to", period["to"], year) if "to" in period else start
            if start is None or end is None:
                continue
            if end < start:
                self.add(f"{at}.to", f"{end} is before {start}")
                continue
            period_days = HolidayPeriod("", start, end).days()
            if len(period_days) > MAX_PERIOD_DAYS:
                self.add(at, f"{len(period_days)} days off in a row, more than {MAX_PERIOD_DAYS}: check the dates")
                continue
            clash = next((d for d in period_days if d in off), None)
            if clash is not None:
                self.add(at, f"duplicate date {clash}: already in {off[clash]}")
            for d in period_days:
                off.setdefault(d, f"{at} ({name})")
        on: dict[date, str] = {}
        for i, workday in enumerate(_list(raw.get("workdays"))):
            if not isinstance(workday, dict):
                continue
            at = f"workdays[{i}]"
            holiday = workday.get("holiday")
            if isinstance(holiday, str) and holiday not in names:
                self.add(f"{at}.holiday", f"'{holiday}' is not a holiday of this file "
                                          f"(its holidays: {', '.join(sorted(names)) or 'none'})")
            day = self._date(f"{at}.date", workday.get("date"), year)
            if day is None:
                continue
            if day.weekday() < 5:
                self.add(f"{at}.date", f"{day} is a {WEEKDAYS[day.weekday()]}: a make-up workday (调休上班) must be "
                                       "a Saturday or a Sunday")
            if day in off:
                self.add(f"{at}.date", f"{day} is also a day off, in {off[day]}")
            if day in on:
                self.add(f"{at}.date", f"duplicate date {day}: already in {on[day]}")
            on.setdefault(day, at)
        return self.found

    def _date(self, at: str, value: Any, year: int | None) -> date | None:
        """The date, or None when it is not one (the schema reports that). Reports a date outside the year."""
        try:
            day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
        except ValueError:
            return None
        if day is not None and year is not None and day.year != year:
            self.add(at, f"{day} is not in {year}, the year of this calendar")
        return day


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
