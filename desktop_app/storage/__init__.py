"""The store: SQLAlchemy models, sessions, migrations, backups, the audit trail. No Qt."""
