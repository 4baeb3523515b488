"""/nhacnho at the desk: the period's reminders per member, the days before the deadline
they are sent, weekends on or off, and a nudge now."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.conversation import reach
from bot.conversation.desk.core import Area
from bot.core.clock import now
from bot.core.digits import small_int
from bot.core.replies import Button, Outgoing, Reply
from bot.reminders import service as reminders
from bot.reminders.planner import policy_of
from bot.texts import t
from bot.workflow.access import Action, require
from models import require_id

log = logging.getLogger(__name__)


class RemindersDesk(Area):
    """The reminder schedule of the open report."""

    def show(self) -> list[Outgoing]:
        """/nhacnho: the period's reminders per member, with buttons to change or nudge."""
        require(self.member, Action.MANAGE_REMINDERS, period=self.desk.period)
        # What a sweep would plan now, so the view is current even before the next tick.
        self.desk.replan(self.turn.period_id)
        self.desk.begin()
        return [self._view()]

    def button(self, args: list[str]) -> list[Outgoing]:
        """A preset of days, weekends on or off, nudge now, or close."""
        period = self.desk.period
        require(self.member, Action.MANAGE_REMINDERS, period=period)
        what = args[0] if args else ""
        if what == "end":
            return self.desk.end()
        if what not in ("days", "wk", "now"):
            return self.desk.stale(self.show())
        if period.status != "open":
            self.desk.clear()
            return [Reply(t("reminders_desk.not_open")), *self.turn.show_menu()]
        templates_root = self.turn.options.templates_root
        moment = now()
        if what == "days":
            choice = args[1] if len(args) > 1 else ""
            preset = small_int(choice, limit=len(reminders.DAY_PRESETS) - 1)
            if preset is None:
                return self.desk.stale(self.show())
            days = reminders.DAY_PRESETS[preset]
            reminders.change_policy(
                self.session,
                period_id=self.turn.period_id,
                now=moment,
                days_before=list(days),
                on_due_day=True,
                templates_root=templates_root,
            )
            ack = (
                t("reminders_desk.days_changed", preset=reminders.preset_label(preset))
                if days
                else t("reminders_desk.days_changed_due_day_only")
            )
        elif what == "wk":
            skip = not policy_of(self.session, period_id=self.turn.period_id).skip_weekends
            reminders.change_policy(
                self.session,
                period_id=self.turn.period_id,
                now=moment,
                skip_weekends=skip,
                templates_root=templates_root,
            )
            ack = t(
                "reminders_desk.weekends_skipped" if skip else "reminders_desk.weekends_allowed"
            )
        else:
            ack = self._nudge(moment)
        return [Reply(ack), self._view(replace=True)]

    def _nudge(self, moment: datetime) -> str:
        """Plans a nudge for everyone who still owes a section; the sweep sends it once."""
        if not self.turn.options.delivers_reminders:
            return reach.nudge_here(
                self.session,
                period=self.desk.period,
                template=self.desk.template,
                besides=require_id(self.member),
                names=self.desk.names(),
            )
        nudged = reminders.nudge_now(
            self.session,
            period_id=self.turn.period_id,
            now=moment,
            besides=self.member.id,
            templates_root=self.turn.options.templates_root,
        )
        if not nudged:
            return t("reminders_desk.nudged_none")
        names = self.desk.names()
        who = ", ".join(names.get(m, "?") for m in nudged)
        log.info(
            "member %s nudged %s member(s) of period %s",
            self.member.id,
            len(nudged),
            self.turn.period_id,
        )
        due = reminders.nudge_time(self.session, period_id=self.turn.period_id, now=moment)
        if due > moment:
            when = reminders.when_text(due)
            return t("reminders_desk.nudged_later", count=len(nudged), names=who, when=when)
        return t("reminders_desk.nudged", count=len(nudged), names=who)

    def _view(self, *, replace: bool = False) -> Reply:
        """The schedule and its buttons (only "close" once the report is final)."""
        self.turn.state.step += 1
        period, period_id = self.desk.period, self.turn.period_id
        text = reminders.desk_text(
            self.session, period_id=period_id, templates_root=self.turn.options.templates_root
        )
        close = [Button(self.desk.code("rem:end"), t("reminders_desk.close_button"))]
        if period.status != "open":
            return Reply(text, [close], replace=replace)
        buttons: list[list[Button]] = []
        if period.deadline is not None:
            policy = policy_of(self.session, period_id=period_id)
            chosen = reminders.preset_of(policy)
            presets = []
            for index in range(len(reminders.DAY_PRESETS)):
                label = reminders.preset_label(index)
                if index == chosen:
                    label = t("reminders_desk.preset_chosen", label=label)
                presets.append(Button(self.desk.code(f"rem:days:{index}"), label))
            buttons.append(presets)
            weekends = (
                "reminders_desk.allow_weekends_button"
                if policy.skip_weekends
                else "reminders_desk.skip_weekends_button"
            )
            buttons.append([Button(self.desk.code("rem:wk"), t(weekends))])
        buttons.append(
            [Button(self.desk.code("rem:now"), t("reminders_desk.nudge_button")), *close]
        )
        hint = "hint" if period.deadline is not None else "hint_nudge_only"
        lines = [text, *reach.desk_note(self.turn.options.delivers_reminders)]
        return Reply("\n".join([*lines, t(f"reminders_desk.{hint}")]), buttons, replace=replace)
