"""The bot's own web server: draft pages, channel webhooks and health checks."""
