"""The expected conversation: a report kind's sample answers, played in-process.

The demo player answers the section from the report kind's sample answers against an engine
of its own; each step keeps what was typed and the last message the engine answered. Over
Telegram the same steps must bring the same last messages, whether the fake user types an
answer or presses the button that stands for it. The journeys therefore follow whatever the
shipped questionnaire asks, with no question written into the tests. The benchmark replays
the whole report from here too.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.cli.demo import DemoPlayer
from bot.conversation.engine import DEMO_TEMPLATE, ConversationEngine, EngineOptions
from bot.conversation.events import Command, Incoming, Sender, Text
from bot.core.replies import DocumentReply, Outgoing
from bot.core.text import fold
from bot.questionnaire.loader import DEFAULT_TEMPLATES_DIR, sample_answers_path
from bot.report.answers_file import load_answers_file
from bot.store.database import Database
from handlers.telegram.drawing import compose, split_text

# Typed words and the label their button carries.
_BUTTON_WORDS = {"đúng": "Đúng", "xong": "Hoàn thành phần"}


@dataclass(frozen=True)
class Step:
    """What the user sends, and the last message the bot answers with."""

    event: Incoming
    expected: str
    # The kind of question asked when the step is sent ("integer", "table", …), or the mode
    # of the conversation ("confirm_row", "review", …) when no question waits.
    asks: str = ""

    @property
    def typed(self) -> str:
        """The event as the user types it."""
        if isinstance(self.event, Command):
            return f"/{self.event.name} {self.event.argument}".strip()
        assert isinstance(self.event, Text)
        return self.event.text

    def button_for(self, buttons: list[tuple[str, str]]) -> tuple[str, str] | None:
        """The button that means the same as the typed text, if the question offers one."""
        if not isinstance(self.event, Text):
            return None
        word = fold(self.event.text)
        for label, data in buttons:
            number, _, rest = label.partition(". ")
            if fold(rest) == word or (word.isdigit() and number == word):
                return label, data
        wanted = _BUTTON_WORDS.get(self.event.text)
        return next((b for b in buttons if wanted and wanted in b[0]), None)


def _last_text(replies: list[Outgoing]) -> str:
    """The last message Telegram shows for the replies (joined, and a long one split)."""
    last = compose(replies)[-1]
    text = last.caption if isinstance(last, DocumentReply) else last.text
    return split_text(text)[-1]


def conversation(
    display_name: str,
    *,
    sections: int | None = None,
    only: str | None = None,
    kind: str = DEMO_TEMPLATE,
    templates: Path = DEFAULT_TEMPLATES_DIR,
) -> tuple[Step, ...]:
    """/start, then each section (the first `sections` ones, or the one numbered `only`)
    opened and answered to the end."""
    answers = load_answers_file(sample_answers_path(kind, templates), root=templates)
    chosen = [s for s in answers.template.sections if only is None or s.number == only]
    if not chosen:
        raise LookupError(f"no top section numbered {only!r} in {kind}")
    options = EngineOptions(demo=True, templates_root=templates, demo_template=kind)
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{Path(folder) / 'script.db'}")
        database.create_schema()
        player = DemoPlayer(
            ConversationEngine(database, options), Sender("script", "1", display_name), answers
        )
        steps = [Step(Command("start"), _last_text(player.send(Command("start"))))]
        for section in chosen[:sections]:
            # From the menu, the section's number opens it.
            steps.append(Step(Text(section.number), _last_text(player.send(Text(section.number)))))
            # The demo player's own loop, noting what is asked before each answer.
            while True:
                state, values = player.snapshot()
                asks = player.question(state).kind if state.mode == "question" else state.mode
                finishing = state.mode == "review"
                event = Text("xong") if finishing else player.next_input(state, values)
                steps.append(Step(event, _last_text(player.send(event)), asks))
                if finishing:
                    if player.snapshot()[0].mode != "menu":
                        raise AssertionError(f"section {section.number} could not be finished")
                    break
        database.dispose()
    return tuple(steps)


@cache
def first_section(display_name: str) -> tuple[Step, ...]:
    """/start, the default report's first section opened, and answered until it is finished."""
    return conversation(display_name, sections=1)


@cache
def section(display_name: str, number: str) -> tuple[Step, ...]:
    """/start, the top section with that number opened, and answered until it is finished."""
    return conversation(display_name, only=number)
