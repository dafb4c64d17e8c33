"""One router per resource; each handler is a few lines into ``store.provisioning``."""
