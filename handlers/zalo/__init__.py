"""The Zalo Bot Platform channel: client, long polling, webhook, reminders."""
