"""The unit's settings a director may see and change: its name and parent body, the place
of the date line, the address and telephone, who signs (and for whom, "KT."), the ký hiệu after the
document number and the recipients ("Nơi nhận")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from bot.questionnaire.answers import clean_text
from bot.texts import t
from models import Unit

# Field -> longest accepted text (a recipient line has the same limit as a field).
LIMITS = {
    "name": 200,
    "parent_body": 200,
    "place": 100,
    "address": 300,
    "phone": 40,
    "signer_title": 100,
    "signer_name": 100,
    "on_behalf_of": 100,
    "number_prefix": 40,
}
RECIPIENT_LIMIT = 200
MAX_RECIPIENTS = 15
# Settings a unit cannot do without.
REQUIRED = ("name", "place", "signer_title")
FIELDS = (*LIMITS, "recipients")


class UnitSettingError(ValueError):
    """A setting refused; `reason` is a key under `unit_settings.error`."""

    def __init__(self, reason: str, field: str, limit: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field
        self.limit = limit


def setting_error_text(err: UnitSettingError) -> str:
    """Why a setting was refused, naming the setting."""
    label = t(f"unit_settings.label.{err.field}")
    return t(f"unit_settings.error.{err.reason}", field=label, limit=err.limit)


@dataclass(frozen=True)
class Changed:
    """One setting changed, before and after."""

    field: str
    before: Any
    after: Any


def unit_dict(unit: Unit) -> dict[str, Any]:
    """A unit's settings as JSON-ready data."""
    return {
        "unit_id": unit.id,
        "name": unit.name,
        "parent_body": unit.parent_body,
        "place": unit.place,
        "address": unit.address,
        "phone": unit.phone,
        "signer_title": unit.signer_title,
        "signer_name": unit.signer_name,
        "on_behalf_of": unit.on_behalf_of,
        "number_prefix": unit.number_prefix,
        "recipients": list(unit.recipients or []),
        "is_demo": unit.is_demo,
        "parent_id": unit.parent_id,
    }


def clean_value(field: str, raw: Any) -> Any:
    """A setting as it will be stored: text cleaned, blanks refused where required,
    recipients as a list of non-empty lines; an empty optional text clears it."""
    if field == "recipients":
        lines = raw if isinstance(raw, list) else str(raw).splitlines()
        bare = [" ".join(clean_text(str(line)).split()).strip(" -–•;,.") for line in lines]
        bare = [line for line in bare if line]
        if len(bare) > MAX_RECIPIENTS:
            raise UnitSettingError("too_many", field, MAX_RECIPIENTS)
        if any(len(line) > RECIPIENT_LIMIT for line in bare):
            raise UnitSettingError("too_long", field, RECIPIENT_LIMIT)
        # Printed as a clerk writes them: "- Phòng GD&ĐT;" … "- Lưu: VT."
        return [
            f"- {line}{'.' if i == len(bare) else ';'}" for i, line in enumerate(bare, 1)
        ] or None
    text = " ".join(clean_text(str(raw)).split())
    if len(text) > LIMITS[field]:
        raise UnitSettingError("too_long", field, LIMITS[field])
    # "-" or "..." is no name: a required setting needs a letter or a digit.
    if field in REQUIRED and not any(c.isalnum() for c in text):
        raise UnitSettingError("required", field)
    if field == "on_behalf_of":
        return text or None
    return text


def update_unit(session: Session, unit: Unit, changes: dict[str, Any]) -> list[Changed]:
    """Applies cleaned settings to a unit; returns what really changed. Nothing is changed
    when one value is refused."""
    cleaned = {field: clean_value(field, raw) for field, raw in changes.items()}
    done: list[Changed] = []
    for field, value in cleaned.items():
        before = getattr(unit, field)
        if before != value:
            setattr(unit, field, value)
            done.append(Changed(field, before, value))
    if done:
        session.add(unit)
        session.flush()
    return done
