"""The `switchboard` command: first system admin, migrations, CSV import and export."""
