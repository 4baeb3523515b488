"""Every chat command, once: its name, what it does in a period, whether it works before
any period is open, and its place in the channels' command menu (described by the
catalogue's `telegram.commands.<name>`).

Who may run a leaders' command is decided where it runs, by the authorisation matrix
(`bot.workflow.access`), not here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from bot.conversation import links, modes, reports
from bot.conversation.desk import Desk
from bot.conversation.resume import continue_work
from bot.conversation.steps import menu
from bot.conversation.steps.draft import DraftStep
from bot.core.replies import Outgoing, Reply
from bot.texts import t

if TYPE_CHECKING:
    from bot.conversation.surface import DeskTurn, TurnSurface

Run = Callable[["TurnSurface", str], list[Outgoing]]
SurfaceRun = Callable[["DeskTurn", str], list[Outgoing]]


@dataclass(frozen=True)
class ChatCommand:
    """A slash command: what it does with the turn and the text after it."""

    name: str
    run: Run
    # Shown in the channels' command menu, in the order of `COMMANDS`.
    menu: bool = False
    # Before any period is open: "desk" runs it on the leaders' desk as in a period,
    # "restart" forgets the lobby's dialogue; any other command shows the lobby's menu.
    lobby: Literal["desk", "restart"] | None = None
    # A command that needs no period runs the same in the lobby.
    anywhere: SurfaceRun | None = None
    # A leaders' command, run on the desk (which checks the member's role for each).
    desk: bool = False


def _action(action: str) -> Run:
    return lambda turn, _argument: modes.on_action(turn, action)


def _desk(name: str, *, lobby: bool = False) -> ChatCommand:
    """A leaders' command: the desk checks the member's role for each."""
    return ChatCommand(
        name,
        lambda turn, _argument: Desk(turn).command(name),
        lobby="desk" if lobby else None,
        desk=True,
    )


def _anywhere(name: str, run: SurfaceRun, *, menu: bool = False) -> ChatCommand:
    """A command that works the same with or without a period."""
    return ChatCommand(name, run, menu=menu, anywhere=run)


def _help(turn: TurnSurface, _argument: str) -> list[Outgoing]:
    return [Reply(t("help.text")), *turn.current()]


COMMANDS: tuple[ChatCommand, ...] = (
    ChatCommand("tiep", lambda turn, _: continue_work(turn), menu=True, lobby="restart"),
    ChatCommand("viec", lambda turn, _: menu.show_menu(turn), menu=True, lobby="restart"),
    ChatCommand("baocao", reports.command, menu=True),
    ChatCommand("duthao", lambda turn, _: DraftStep(turn).action("draft"), menu=True),
    ChatCommand("xem", _action("review"), menu=True),
    ChatCommand("lai", _action("back"), menu=True),
    ChatCommand("boqua", _action("skip"), menu=True),
    ChatCommand("huy", lambda turn, _: menu.cancel(turn), menu=True, lobby="restart"),
    # `/lienket <code>`, typed in a chat not linked yet, is taken by the engine first.
    _anywhere(links.LINK, links.show_code, menu=True),
    ChatCommand("help", _help, menu=True),
    ChatCommand("start", lambda turn, _: menu.greet(turn), menu=True, lobby="restart"),
    ChatCommand("trogiup", _help),
    ChatCommand("giu", _action("keep")),
    ChatCommand("xong", _action("done")),
    _anywhere("huylienket", links.unlink_command),
    _desk("tiendo"),
    _desk("moky", lobby=True),
    _desk("giao"),
    _desk("moi", lobby=True),
    _desk("tralai"),
    _desk("chot"),
    _desk("mokhoa"),
    _desk("thanhvien", lobby=True),
    _desk("nhacnho"),
    _desk("donvi", lobby=True),
    _desk("donvicon", lobby=True),
    _desk("dieuchinh"),
)
_BY_NAME = {command.name: command for command in COMMANDS}
# The command menu of every channel that has one, in order.
MENU_COMMANDS = tuple(command.name for command in COMMANDS if command.menu)


def command_named(name: str) -> ChatCommand | None:
    """The command of this name, or None."""
    return _BY_NAME.get(name)
