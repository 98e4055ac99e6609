"""The console in a real browser (chromium via Playwright) against the running stack:
sign in, find a failed message, read why, replay it, see it done; a wrong token is
refused; a POST without the CSRF token is refused; sign out.

Set CONNECTOR_SCREENSHOTS=<dir> to save screenshots of the pages visited (the README's
are made this way)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import expect

from connector.store import messages
from tests import handlers
from tests.support.signing import fluent_body, signed_headers

TOKEN = "test-token-1"
WEBHOOK = "/api/v1/fluent-connect/webhook"


def shot(page, name: str) -> None:
    target = os.environ.get("CONNECTOR_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / f"{name}.png"), full_page=True)


def failed_message(stack, ref: str, n: int) -> int:
    body = fluent_body(id=f"evt-c{n}", name="test.broken", entityRef=ref)
    resp = stack.client.post(WEBHOOK, data=body, headers=signed_headers(body))
    row_id = resp.json["id"]
    assert stack.wait_for(row_id).status == "failed"
    return row_id


def sign_in(page, url: str, token: str = TOKEN) -> None:
    page.goto(f"{url}/console/")
    expect(page).to_have_url(re.compile(r"/console/login"))
    page.fill("#token", token)
    page.click("button:has-text('Sign in')")


def test_sign_in_find_failed_message_replay_it_see_it_done(served, page):
    stack, url = served
    for n in range(3):  # history for the overview's chart
        body = fluent_body(id=f"evt-ok{n}", entityRef=f"ORDER-{n}")
        stack.wait_for(
            stack.client.post(WEBHOOK, data=body, headers=signed_headers(body)).json[
                "id"
            ]
        )
    row_id = failed_message(stack, "SKU-C1", 1)
    other_id = failed_message(stack, "SKU-C2", 2)

    sign_in(page, url)
    expect(page.locator("h1")).to_have_text("Overview")
    expect(page.locator("svg.chart")).to_be_visible()
    expect(page.locator("tr.bad")).to_contain_text("2")  # failed = 2
    shot(page, "overview")

    page.click("nav >> text=Failed messages")
    row = page.locator(f"#message-{row_id}")
    expect(row).to_contain_text("product SKU-C1 is unknown to Fluent")
    expect(page.locator(f"#message-{other_id}")).to_be_visible()
    shot(page, "failed-messages")

    row.locator("a").first.click()
    expect(page.locator("h1")).to_contain_text(f"Message {row_id}")
    expect(page.locator("pre.error-text")).to_contain_text(
        "SKU-C1 is unknown to Fluent"
    )
    shot(page, "message-detail")

    handlers.FIXED.update({"SKU-C1", "SKU-C2"})
    page.click("button:has-text('Replay this message')")
    expect(page.locator(".flash")).to_contain_text(
        f"Message {row_id} queued for replay"
    )
    assert stack.wait_for(row_id, statuses=("done",)).status == "done"
    page.reload()
    expect(page.locator("h1 .pill")).to_have_text("done")

    # the rest: "replay all matching" on the failed list
    page.click("nav >> text=Failed messages")
    page.click("button:has-text('Replay all 1 matching')")
    expect(page.locator(".flash")).to_contain_text("Replayed 1 of 1 matching")
    assert stack.wait_for(other_id, statuses=("done",)).status == "done"
    page.goto(f"{url}/console/messages?status=done")
    expect(page.locator(f"#message-{row_id} .pill")).to_have_text("done")
    page.click("nav >> text=Runs")
    expect(page.locator("h1")).to_have_text("Sync runs")


def test_wrong_token_is_refused(served, page):
    stack, url = served
    sign_in(page, url, token="not-a-token")
    expect(page.locator(".error")).to_have_text("That API token is not valid.")
    page.goto(f"{url}/console/messages")
    expect(page).to_have_url(re.compile(r"/console/login"))
    expect(page.locator("h1")).to_have_text("Sign in")


def test_post_without_csrf_token_is_refused_and_sign_out(served, page):
    stack, url = served
    row_id = failed_message(stack, "SKU-C3", 3)
    handlers.FIXED.add("SKU-C3")
    sign_in(page, url)
    expect(page.locator("h1")).to_have_text("Overview")
    # the browser's own cookies, but no token: a cross-site form would look like this
    forged = page.request.post(
        f"{url}/console/messages/{row_id}/replay", form={"next": "/console/"}
    )
    assert forged.status == 400
    assert "CSRF token is missing" in forged.text()
    wrong = page.request.post(
        f"{url}/console/messages/replay",
        form={"csrf_token": "forged", "status": "failed"},
    )
    assert wrong.status == 400
    assert messages.get(stack.runtime.store, row_id).status == "failed"
    # a form submitted from the page without the token is refused too
    page.evaluate(
        """id => { const f = document.createElement('form'); f.method = 'post';
           f.action = '/console/messages/' + id + '/replay'; document.body.appendChild(f);
           f.submit(); }""",
        row_id,
    )
    expect(page.locator("h1")).to_have_text("Refused")
    assert messages.get(stack.runtime.store, row_id).status == "failed"
    page.goto(f"{url}/console/")
    page.click("button:has-text('Sign out')")
    expect(page.locator(".flash")).to_have_text("Signed out.")
    page.goto(f"{url}/console/")
    expect(page).to_have_url(re.compile(r"/console/login"))
