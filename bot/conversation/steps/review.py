"""The section's review: every answer numbered for editing, the failed checks, and
finishing the section (the leaders are told, with its headline figures)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.conversation.desk import lead_ids
from bot.conversation.headlines import headline_block
from bot.conversation.prompts import REVIEW_ANSWER_PREVIEW
from bot.core.digits import is_ascii_digits, small_int
from bot.core.replies import Button, Outgoing, Reply
from bot.core.text import fold, short
from bot.questionnaire import index as flow
from bot.questionnaire.answers import clean_text, format_answer
from bot.questionnaire.derived import derived
from bot.questionnaire.schema import ListQuestion, Section
from bot.store.menu_rows import mark_section
from bot.texts import t
from bot.workflow.access import is_lead
from models import require_id

if TYPE_CHECKING:
    from bot.conversation.surface import TurnSurface


def show_review(turn: TurnSurface, intro: str | None = None) -> list[Outgoing]:
    """Every question of the section with its answer, numbered for editing."""
    state = turn.state
    state.clear_input()
    state.mode = "review"
    state.question_id = None
    state.from_review = False
    state.next_step()
    section = turn.section
    relevant = flow.relevant_slots(section, turn.values)
    titles = _titles(section)
    lines = [intro] if intro else []
    lines.append(t("review.title", number=section.number, title=section.title))
    for index, slot in enumerate(relevant, 1):
        question = slot.question
        value = turn.values.get(question.id)
        if question.id in turn.skipped:
            shown = t("review.skipped")
        elif not flow.is_complete(question, value):
            shown = t("review.missing")
        else:
            shown = short(format_answer(question, value), REVIEW_ANSWER_PREVIEW)
        lines.append(f"{index}. [{slot.section.number}] {titles[question.id]}: {shown}")
    ids = {s.question.id for s in relevant}
    failures = [f for f in turn.failures() if f.question_ids & ids]
    if failures:
        lines.append(t("review.warnings"))
        lines += [
            f"⚠️ {f.message}" + (f" {t('review.kept')}" if f.confirmed else "") for f in failures
        ]
    lines.append(t("review.hint"))
    numbers = [Button(turn.code(f"e:{i}"), str(i)) for i in range(1, len(relevant) + 1)]
    buttons = [numbers[i : i + 8] for i in range(0, len(numbers), 8)]
    actions = [Button(turn.code("finish"), t("button.finish"), "/xong")]
    if turn.first_open(section) is not None:
        actions.insert(0, Button(turn.code("resume"), t("button.continue"), "/tiep"))
    buttons.append(actions)
    buttons.append([Button(turn.code("menu"), t("button.menu"), "/viec")])
    return [Reply("\n".join(lines), buttons)]


def _titles(section: Section) -> dict[str, str]:
    """Each question of a top section as its review line names it, worked out once per
    section of a loaded template."""

    def build() -> dict[str, str]:
        return {
            slot.question.id: short(slot.question.label or slot.question.prompt, 70)
            for slot in flow.slots(section)  # ids are unique in a template
        }

    return derived(section, "review_titles", build)


def review_text(turn: TurnSurface, raw: str) -> list[Outgoing]:
    """In the review, a number opens that question for editing."""
    typed = fold(clean_text(raw)).rstrip(".")
    if is_ascii_digits(typed):
        return review_action(turn, f"e:{typed}")
    if typed in {"xong", "hoan thanh"}:
        return review_action(turn, "finish")
    return [Reply(t("review.pick")), *show_review(turn)]


def review_action(turn: TurnSurface, action: str) -> list[Outgoing]:
    """Edit one answer, or finish the section."""
    if action.startswith("e:") and is_ascii_digits(action[2:]):
        relevant = flow.relevant_slots(turn.section, turn.values)
        index = small_int(action[2:]) or 0
        if not 1 <= index <= len(relevant):
            return [Reply(t("review.no_such", count=len(relevant))), *show_review(turn)]
        question = relevant[index - 1].question
        turn.state.from_review = True
        if isinstance(question, ListQuestion):
            # Editing a list starts it again; the old items stay until the first new one.
            turn.state.mode = "question"
        return turn.go_to(question)
    if action in ("finish", "done"):
        return finish_section(turn)
    if action == "back":
        return turn.show_menu()
    return [Reply(t("input.stale_button")), *show_review(turn)]


def finish_section(turn: TurnSurface) -> list[Outgoing]:
    """Marks the section finished when every required question is answered."""
    section = turn.section
    missing = [
        s.question
        for s in flow.relevant_slots(section, turn.values)
        if s.question.required and not flow.is_complete(s.question, turn.values.get(s.question.id))
    ]
    if missing:
        names = "\n".join(f"• {short(q.label or q.prompt, 80)}" for q in missing[:10])
        return [
            Reply(t("review.cannot_finish", count=len(missing), questions=names)),
            *show_review(turn),
        ]
    mark_section(
        turn.session,
        period_id=turn.period_id,
        section_id=section.id,
        member_id=turn.member.id,
        finished=True,
    )
    turn.finished.add(section.id)
    # Not re-planned here: a reminder re-reads what its member owes just before it is sent
    # (`bot.reminders.decision`), and the sweep and /nhacnho re-plan the period anyway.
    done = t("review.finished", number=section.number, title=section.title)
    figures = headline_block(turn.template, turn.evaluation(), [section])
    done = f"{done}\n{figures}" if figures else done
    told: list[Outgoing] = []
    if not is_lead(turn.member):
        leads = lead_ids(turn.session, unit_id=require_id(turn.unit), besides=turn.member.id)
        message = t(
            "section.finished_notify",
            name=turn.member.display_name,
            number=section.number,
            title=section.title,
        )
        told = turn.notify(leads, f"{message}\n{figures}" if figures else message)
    return [Reply(done), *turn.show_menu(), *told]
