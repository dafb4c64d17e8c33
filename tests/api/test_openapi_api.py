"""The OpenAPI document: every operation reads well in /docs, and no output carries a secret."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api

SECRET_WORDS = ("password", "secret", "hash", "ha1", "token_hash")


def test_every_api_operation_has_a_written_summary_and_a_tag(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    operations = [
        (method.upper(), path, op)
        for path, item in document["paths"].items()
        if path.startswith("/api/v1")
        for method, op in item.items()
    ]
    assert len(operations) > 50
    for method, path, op in operations:
        assert op.get("summary") and op.get("tags"), (method, path)
        # FastAPI's fallback summary is the function name in title case; ours are sentences.
        assert op["summary"] != op["operationId"].split("_api_v1")[0].replace("_", " ").title(), (
            method,
            path,
        )


def test_no_output_schema_has_a_secret_field(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    schemas: dict[str, Any] = document["components"]["schemas"]
    outputs = {name: s for name, s in schemas.items() if name.endswith(("Out", "Created"))}
    assert {"UserOut", "TrunkOut", "AgentOut", "ApiKeyOut", "ApiKeyCreated"} <= outputs.keys()
    for name, schema in outputs.items():
        for field in schema.get("properties", {}):
            allowed = field == "has_password" or (
                name in ("ApiKeyCreated", "TokenOut") and field == "token"
            )
            assert allowed or not any(word in field for word in SECRET_WORDS), (name, field)
