"""Settings at the director's desk: the unit's header and signature (/donvi, director
only) and the deadline of the open report (a choice of /moky).

Each step is authorised again on the server, like every desk step; the desk hands typed
text here while one of these dialogues waits for it.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.conversation.desk.core import Area, notices
from bot.conversation.desk.flows import NewDeadline, UnitSetting
from bot.core.replies import Button, Outgoing, Reply
from bot.core.text import fold, year_text
from bot.questionnaire.answers import clean_text
from bot.questionnaire.dates import DateParseError, parse_date
from bot.reminders.messages import date_text
from bot.texts import t
from bot.workflow.access import Action, require
from bot.workflow.periods import PeriodError, assignees, change_deadline
from bot.workflow.unit_settings import (
    FIELDS,
    REQUIRED,
    UnitSettingError,
    setting_error_text,
    unit_dict,
    update_unit,
)
from models import require_id

log = logging.getLogger(__name__)

# Settings asked with their own explanation; the other optional ones may be cleared.
_ASK = {"recipients": "ask_recipients", "on_behalf_of": "ask_on_behalf_of"}
# Typed to clear an optional setting.
_CLEAR = {"-", "xoa", "bo", "khong"}


def settings_lines(values: dict[str, Any]) -> list[str]:
    """The unit's settings as the director reads them, one labelled line each."""
    lines = []
    for index, field in enumerate(FIELDS, 1):
        label = t(f"unit_settings.label.{field}")
        value = values[field]
        if field == "recipients":
            shown = "\n".join(f"   {line}" for line in value) if value else ""
            text = f"\n{shown}" if shown else f" {t('unit_settings.default')}"
            lines.append(f"{index}. {label}:{text}")
        else:
            lines.append(f"{index}. {label}: {value or t('unit_settings.unset')}")
    return lines


class UnitSettingsDesk(Area):
    """/donvi: the unit's settings, and a button to change each one."""

    def show(self, *, note: str = "") -> list[Outgoing]:
        """The settings with a button per setting (director only)."""
        require(self.member, Action.EDIT_UNIT)
        self.desk.begin()
        self.turn.state.step += 1
        unit = self.turn.unit
        lines = [note] if note else []
        lines += [t("unit_settings.title", name=unit.name), *settings_lines(unit_dict(unit))]
        lines.append(t("unit_settings.hint"))
        buttons = [
            [Button(self.desk.code(f"u:{field}"), t(f"unit_settings.label.{field}")[:60])]
            for field in FIELDS
        ]
        buttons.append([Button(self.desk.code("end:"), t("button.close"))])
        return [Reply("\n".join(lines), buttons)]

    def button(self, args: list[str]) -> list[Outgoing]:
        """A setting pressed: ask for its new value."""
        require(self.member, Action.EDIT_UNIT)
        field = args[0] if args else ""
        if field == "back":
            return self.show()
        if field not in FIELDS:
            log.warning("unknown unit setting from member %s: %r", self.member.id, field[:20])
            return [Reply(t("input.stale_button")), *self.show()]
        self.desk.begin(UnitSetting(field=field))
        self.turn.state.step += 1
        return [self.ask()]

    def _field(self) -> str:
        """The setting being changed."""
        flow = self.turn.state.desk
        return flow.field if isinstance(flow, UnitSetting) else ""

    def ask(self) -> Reply:
        """Asks for the setting being changed, showing what it is now."""
        require(self.member, Action.EDIT_UNIT)
        field = self._field()
        current = unit_dict(self.turn.unit)[field]
        if field == "recipients":
            shown = "\n".join(current) if current else t("unit_settings.default")
        else:
            shown = str(current or t("unit_settings.unset"))
        key = "ask_required" if field in REQUIRED else _ASK.get(field, "ask_optional")
        text = t(f"unit_settings.{key}", label=t(f"unit_settings.label.{field}"), current=shown)
        return Reply(text, [[Button(self.desk.code("u:back"), t("unit_settings.back"))]])

    def typed(self, raw: str) -> list[Outgoing]:
        """The new value of the setting being changed."""
        require(self.member, Action.EDIT_UNIT)
        field = self._field()
        if field not in FIELDS:
            return self.show()
        value: object = clean_text(raw)
        if fold(str(value)) in _CLEAR and field not in REQUIRED:
            value = [] if field == "recipients" else ""
        try:
            changed = update_unit(self.session, self.turn.unit, {field: value})
        except UnitSettingError as err:
            return [Reply(setting_error_text(err)), self.ask()]
        label = t(f"unit_settings.label.{field}")
        if changed:
            log.info(
                "member %s changed unit %s setting %s", self.member.id, self.turn.unit.id, field
            )
        note = t("unit_settings.changed" if changed else "unit_settings.unchanged", label=label)
        return self.show(note=note)


class DeadlineDesk(Area):
    """The deadline of the member's open report, changed from /moky."""

    def offer(self) -> list[list[Button]]:
        """A /moky button to change the open report's deadline (none without one)."""
        period = self.turn.period
        if period is None or period.status == "final":
            return []
        deadline = date_text(period.deadline) if period.deadline else t("unit_settings.unset")
        label = t("deadline.button", deadline=deadline)
        return [[Button(self.desk.code("dl"), label[:60])]]

    def ask(self) -> list[Outgoing]:
        """The deadline button pressed: ask for the new day."""
        period = self.turn.period
        require(self.member, Action.OPEN_PERIOD, period=period)
        if period is None or period.status == "final":
            return self.desk.stale(self.desk.end())
        self.desk.begin(NewDeadline())
        self.turn.state.step += 1
        return [self.question()]

    def question(self) -> Reply:
        """What is asked, with the current deadline."""
        period = self.desk.period
        require(self.member, Action.OPEN_PERIOD, period=period)
        current = date_text(period.deadline) if period.deadline else t("unit_settings.unset")
        return Reply(
            t("deadline.ask", report=self.desk.template.name, current=current),
            [[Button(self.desk.code("end:"), t("button.cancel"))]],
        )

    def typed(self, raw: str) -> list[Outgoing]:
        """The new deadline typed: a past day is refused; members with sections are told."""
        period = self.desk.period
        require(self.member, Action.OPEN_PERIOD, period=period)
        text = clean_text(raw)
        try:
            day = parse_date(text, period.year)
        except DateParseError:
            return [Reply(t("period.bad_deadline", text=text[:30], year=period.year[-4:]))]
        try:
            change_deadline(self.desk.session, period=period, deadline=day)
        except PeriodError as err:
            if err.reason == "past_deadline":
                return [Reply(t("period.past_deadline", deadline=date_text(day)))]
            return [Reply(t("period.closed")), *self.desk.end()]
        self.desk.replan(require_id(period))
        log.info("member %s moved the deadline of period %s to %s", self.member.id, period.id, day)
        report, year = self.desk.template.name, year_text(period.year)
        done = t("deadline.changed", report=report, year=year, deadline=date_text(day))
        told = self._tell_authors(
            t("deadline.notify", report=report, year=year, deadline=date_text(day))
        )
        self.desk.clear()
        return [Reply(done), *told, *self.turn.show_menu()]

    def _tell_authors(self, text: str) -> list[Outgoing]:
        """The new deadline to everyone given a section (but the one who changed it)."""
        ids = {
            m
            for members in assignees(self.session, period_id=self.turn.period_id).values()
            for m in members
        }
        ids.discard(require_id(self.member))
        return notices(self.session, sorted(ids), text)
