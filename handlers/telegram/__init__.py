"""The Telegram edge: updates to events, replies to the Bot API, polling, reminders."""
