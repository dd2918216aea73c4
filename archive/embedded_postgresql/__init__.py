"""Database backend: PostgreSQL, embedded when DATABASE_URL is unset (see base.py)."""
