"""Every page's assets come from the app itself: the landing page and the API docs render
in a browser that may not reach anything but the app."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect


def test_the_api_docs_render_with_local_swagger_assets(
    page: Page, web_only: str, shot: Callable[[Page, str], Path]
) -> None:
    page.goto(f"{web_only}/docs")
    # Swagger UI draws the operations from /openapi.json: proof its script ran.
    expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
    expect(page.get_by_text("/api/v1/auth/login").first).to_be_visible()
    shot(page, "docs")


def test_the_landing_page_links_every_web_page(
    page: Page, web_only: str, shot: Callable[[Page, str], Path]
) -> None:
    page.goto(web_only)
    for path in ("/agent", "/admin", "/wallboard", "/docs"):
        expect(page.locator(f'a[href="{path}"]')).to_be_visible()
    shot(page, "landing")


def test_an_unknown_vendor_asset_is_404(page: Page, web_only: str) -> None:
    response = page.request.get(f"{web_only}/static/vendor/not-whitelisted.js")
    assert response.status == 404
