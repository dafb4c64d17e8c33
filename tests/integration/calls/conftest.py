"""In-call tests start from the queue tests' group settings and agent states."""

from tests.integration.queue.conftest import support_group

__all__ = ["support_group"]
