"""What the tests (and the bench) share: the PostgreSQL helper, an offline Bot API, factories."""
