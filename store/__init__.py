"""The SQL store: provisioning (teams, extensions, agents, DIDs, trunks) and history.

SQLite by default (one file, no server); PostgreSQL through the same SQLAlchemy code.
Every committed change to provisioning bumps ``ProvisioningState.version`` in the same
transaction, which is how Kamailio notices a change within a second.
"""
