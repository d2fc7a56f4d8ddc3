"""The SQLite cache: schema, migrations, reads and writes."""
