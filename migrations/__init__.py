"""Alembic migrations: the only way a database schema is made, on SQLite and PostgreSQL alike."""
