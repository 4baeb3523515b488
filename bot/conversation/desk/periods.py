"""/moky at the desk: pick the report kind, the school year, the term, what the child units
send up (if the unit has any), then a deadline; the period is opened with its reminders."""

from __future__ import annotations

from datetime import date

from bot.conversation.desk.core import Area
from bot.conversation.desk.flows import OpenPeriod
from bot.conversation.desk.settings import DeadlineDesk
from bot.core.clock import school_year_of, today
from bot.core.digits import small_int
from bot.core.replies import Button, Outgoing, Reply
from bot.core.text import short, year_text
from bot.questionnaire.answers import clean_text
from bot.questionnaire.dates import DateParseError, parse_date
from bot.questionnaire.loader import all_templates, load_template
from bot.reminders import deadlines as sector
from bot.store import queries as store
from bot.texts import t
from bot.workflow import periods
from bot.workflow.access import Action, Role, require
from bot.workflow.hierarchy import HierarchyError, children_of, open_collection
from models import require_id

# Recurring deadlines offered as buttons when a period is opened, soonest first (the
# sector has seven a year).
_MAX_DEADLINE_BUTTONS = 8
# The button "collect nothing from the child units".
_NO_COLLECT = "-"


class PeriodsDesk(Area):
    """Opening the unit's next reporting period."""

    def flow(self) -> OpenPeriod | None:
        """The /moky dialogue under way, if it is the one."""
        flow = self.turn.state.desk
        return flow if isinstance(flow, OpenPeriod) else None

    def start(self) -> list[Outgoing]:
        """/moky: pick the report kind, the year, the term, then type the deadline."""
        require(self.member, Action.OPEN_PERIOD)
        self.desk.begin()
        self.turn.state.step += 1
        kinds = all_templates(self.turn.options.templates_root)
        buttons = [
            [Button(self.desk.code(f"kind:{i}"), f"{i + 1}. {k.name}"[:60])]
            for i, k in enumerate(kinds)
        ]
        buttons += DeadlineDesk(self.desk).offer()
        return [Reply(t("period.ask_kind"), buttons)]

    def pick_kind(self, args: list[str]) -> list[Outgoing]:
        require(self.member, Action.OPEN_PERIOD)
        kinds = all_templates(self.turn.options.templates_root)
        kind = small_int(args[0], limit=len(kinds) - 1) if args and kinds else None
        if kind is None:
            return self.desk.stale(self.start())
        self.desk.begin(OpenPeriod(kind=kinds[kind].id))
        self.turn.state.step += 1
        current = school_year_of(today())
        start = int(current[:4])
        years = [current, f"{start + 1}-{start + 2}"]
        buttons = [[Button(self.desk.code(f"year:{y}"), year_text(y)) for y in years]]
        return [Reply(t("period.ask_year"), buttons)]

    def pick_year(self, args: list[str]) -> list[Outgoing]:
        require(self.member, Action.OPEN_PERIOD)
        year = args[0] if args else ""
        start = int(school_year_of(today())[:4])
        flow = self.flow()
        if flow is None or year not in (f"{start}-{start + 1}", f"{start + 1}-{start + 2}"):
            return self.desk.stale(self.start())
        flow.year = year
        self.turn.state.step += 1
        buttons = [
            [
                Button(self.desk.code("term:0"), t("period.whole_year")),
                Button(self.desk.code("term:1"), t("period.term_button", term=1)),
                Button(self.desk.code("term:2"), t("period.term_button", term=2)),
            ]
        ]
        return [Reply(t("period.ask_term"), buttons)]

    def pick_term(self, args: list[str]) -> list[Outgoing]:
        require(self.member, Action.OPEN_PERIOD)
        flow = self.flow()
        if flow is None or flow.year is None or not args or args[0] not in ("0", "1", "2"):
            return self.desk.stale(self.start())
        flow.term = int(args[0]) or None
        if self.wants_collect():
            return self.ask_collect()
        flow.wait = "deadline"
        self.turn.state.step += 1
        return [self.ask_deadline()]

    def _year_end(self) -> str:
        flow = self.flow()
        year = (flow.year if flow else None) or school_year_of(today())
        return year[-4:]

    def _sector_choices(self) -> list[tuple[date, str]]:
        """The sector's recurring deadlines that fit the period being opened: in its school
        year, not past, and of its term (a whole-year report is due at the second term's end).
        A unit without any for this report kind gets the sector's defaults."""
        flow = self.flow()
        if flow is None or not flow.kind or not flow.year:
            return []
        kind, year = flow.kind, flow.year
        unit_id = require_id(self.turn.unit)
        known = sector.sector_deadlines(self.session, unit_id=unit_id)
        if not any(d.template_id == kind for d in known):
            known = sector.add_sector_deadlines(self.session, unit_id=unit_id, template_id=kind)
        term = flow.term or 2
        start, first_day = int(year[:4]), today()
        found = []
        for deadline in known:
            if deadline.template_id != kind or deadline.term not in (None, term):
                continue
            # The school year runs from August to July; 29/02 exists only in leap years.
            year_of_day = start if deadline.month >= 8 else start + 1
            try:
                day = date(year_of_day, deadline.month, deadline.day)
            except ValueError:
                continue
            if day >= first_day:
                found.append((day, deadline.label))
        return sorted(found)[:_MAX_DEADLINE_BUTTONS]

    def ask_deadline(self) -> Reply:
        """Asks for the deadline, offering the sector's recurring ones as buttons."""
        require(self.member, Action.OPEN_PERIOD)
        choices = self._sector_choices()
        if not choices:
            return Reply(t("period.ask_deadline", year=self._year_end()))
        buttons = [
            [Button(self.desk.code(f"due:{day:%Y%m%d}"), short(f"{day:%d/%m/%Y} – {label}", 60))]
            for day, label in choices
        ]
        return Reply(t("period.ask_deadline_or_pick", year=self._year_end()), buttons)

    def pick_due(self, args: list[str]) -> list[Outgoing]:
        """A recurring deadline pressed: accepted only if it is still one of those offered."""
        require(self.member, Action.OPEN_PERIOD)
        offered = {f"{day:%Y%m%d}": day for day, _label in self._sector_choices()}
        flow = self.flow()
        waiting = flow is not None and flow.wait == "deadline"
        picked = offered.get(args[0]) if args and waiting else None
        if picked is None:
            return self.desk.stale(self.start())
        return self._open(picked)

    def typed_deadline(self, raw: str) -> list[Outgoing]:
        require(self.member, Action.OPEN_PERIOD)
        text = clean_text(raw)
        flow = self.flow()
        try:
            deadline = parse_date(text, flow.year if flow else None)
        except DateParseError:
            return [Reply(t("period.bad_deadline", text=text[:30], year=self._year_end()))]
        if deadline < today():
            return [Reply(t("period.past_deadline", deadline=deadline.strftime("%d/%m/%Y")))]
        return self._open(deadline)

    def _open(self, deadline: date) -> list[Outgoing]:
        """Opens the period chosen in the dialogue, due on `deadline`."""
        flow = self.flow() or OpenPeriod()
        if flow.collect:
            return self._open_collecting(flow, deadline)
        template = load_template(flow.kind, self.turn.options.templates_root)
        try:
            opened = periods.open_period(
                self.session,
                unit=self.turn.unit,
                template=template,
                year=str(flow.year),
                term=flow.term,
                deadline=deadline,
                opened_by=self.member.id,
            )
        except periods.PeriodError:
            self.desk.clear()
            return [Reply(t("period.already_open")), *self.turn.show_menu()]
        self.desk.clear()
        self.desk.replan(require_id(opened.period))
        term = t("reports.term", term=opened.period.term) if opened.period.term else ""
        lines = [
            t(
                "period.opened",
                report=template.name,
                year=year_text(opened.period.year),
                term=term,
                deadline=deadline.strftime("%d/%m/%Y"),
            )
        ]
        if opened.filled or opened.offered:
            lines.append(
                t("period.carried", filled=len(opened.filled), offered=len(opened.offered))
            )
        lines.append(t("period.next_assign"))
        self.turn.switch_period(opened.period, template)
        return [Reply("\n".join(lines)), *self.turn.show_menu()]

    # -- collecting from the child units -------------------------------------------------

    def wants_collect(self) -> bool:
        """Whether /moky asks what to collect: the unit has child units."""
        return bool(children_of(self.session, unit_id=require_id(self.turn.unit)))

    def ask_collect(self) -> list[Outgoing]:
        """/moky, after the term: which report kind the child units send up, if any."""
        require(self.member, Action.OPEN_PERIOD)
        self.turn.state.step += 1
        kinds = all_templates(self.turn.options.templates_root)
        buttons = [
            [Button(self.desk.code(f"ch:col:{i}"), f"{i + 1}. {k.name}"[:60])]
            for i, k in enumerate(kinds)
        ]
        buttons.append([Button(self.desk.code(f"ch:col:{_NO_COLLECT}"), t("children.no_collect"))])
        count = len(children_of(self.session, unit_id=require_id(self.turn.unit)))
        return [Reply(t("children.ask_collect", count=count), buttons)]

    def pick_collect(self, argument: str) -> list[Outgoing]:
        require(self.member, Action.OPEN_PERIOD)
        flow = self.flow()
        if flow is None or flow.year is None or not flow.term_chosen or flow.wait == "deadline":
            return self.desk.stale(self.start())
        if argument != _NO_COLLECT:
            kinds = all_templates(self.turn.options.templates_root)
            index = small_int(argument, limit=len(kinds) - 1) if kinds else None
            if index is None:
                return self.desk.stale(self.start())
            flow.collect = kinds[index].id
        flow.wait = "deadline"
        self.turn.state.step += 1
        return [self.ask_deadline()]

    def _open_collecting(self, flow: OpenPeriod, deadline: date) -> list[Outgoing]:
        """Opens the parent's period and one for each child unit, with their reminders."""
        require(self.member, Action.OPEN_PERIOD)
        root = self.turn.options.templates_root
        template = load_template(flow.kind, root)
        collect = load_template(str(flow.collect), root)
        try:
            collection = open_collection(
                self.session,
                unit=self.turn.unit,
                template=template,
                collect=collect,
                year=str(flow.year),
                term=flow.term,
                deadline=deadline,
                opened_by=self.member.id,
            )
        except HierarchyError as err:
            self.desk.clear()
            return [
                Reply(t(f"hierarchy.error.{err.reason}", **err.details)),
                *self.turn.show_menu(),
            ]
        self.desk.clear()
        for period in collection.all_periods:
            self.desk.replan(require_id(period))
        period = collection.period
        term = t("progress.term", term=period.term) if period.term else ""
        names = {
            c.id: c.name for c in children_of(self.session, unit_id=require_id(self.turn.unit))
        }
        direct = [p for p in collection.children if p.parent_period_id == period.id]
        lines = [
            t(
                "children.opened",
                report=template.name,
                year=year_text(period.year),
                term=term,
                deadline=deadline.strftime("%d/%m/%Y"),
                kind=collect.name,
                count=len(direct),
            ),
            *(t("children.opened_line", name=names.get(p.unit_id, "?")) for p in direct),
        ]
        told = self.turn.notify(
            self._directors([p.unit_id for p in direct]),
            t(
                "children.opened_notice",
                parent=self.turn.unit.name,
                kind=collect.name,
                year=year_text(period.year),
                deadline=deadline.strftime("%d/%m/%Y"),
            ),
        )
        self.turn.switch_period(period, template)
        return [Reply("\n".join(lines)), *self.turn.show_menu(), *told]

    def _directors(self, unit_ids: list[int]) -> list[int]:
        return [
            require_id(m)
            for unit_id in unit_ids
            for m in store.members_of(self.session, unit_id=unit_id)
            if m.role == Role.DIRECTOR
        ]
