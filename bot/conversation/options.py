"""How the engine treats newcomers and where it finds report kinds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.core.settings import Settings
from bot.questionnaire.loader import DEFAULT_TEMPLATES_DIR
from bot.workflow import draft_links
from bot.workflow.draft_links import DraftLinks

DEMO_TEMPLATE = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx"


@dataclass(frozen=True)
class EngineOptions:
    """How the engine treats newcomers and where it finds report kinds."""

    demo: bool = False
    templates_root: Path = DEFAULT_TEMPLATES_DIR
    demo_template: str = DEMO_TEMPLATE
    # The bot's @username, for invite links; set by the Telegram channel at start-up.
    bot_username: str | None = None
    # False where nothing sends reminders (the terminal chat): the desk says so.
    delivers_reminders: bool = True
    # Where each draft sent is kept, dated, so /duthao can send the last one again.
    drafts_dir: Path | None = None
    # Signed web links to each draft (BAOCAO_PUBLIC_URL set); none when None.
    draft_links: DraftLinks | None = None


def chat_service_options(settings: Settings) -> EngineOptions:
    """The options of a chat service (Telegram, Zalo): demo mode only when BAOCAO_DEMO asks
    for it, drafts kept, and signed links when BAOCAO_PUBLIC_URL is set."""
    return EngineOptions(
        demo=bool(settings.demo),
        drafts_dir=settings.drafts_dir,
        draft_links=draft_links.configured(settings),
    )
