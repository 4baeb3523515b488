"""The database (engine, sessions, migrations) and the queries over its tables."""
