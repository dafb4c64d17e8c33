"""Request and response bodies of the REST API (pydantic). Inputs refuse unknown fields."""
