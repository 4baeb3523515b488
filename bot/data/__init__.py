"""Data out of the bot: a unit's Excel export, consistent backups, file helpers."""
