"""A newcomer's whole journey in a real browser: sign-up to a budget and a forecast.

The test starts the API (``fincast serve``) and the dashboard (``fincast dashboard``) on
loopback over an empty SQLite file, then drives Debian's Chromium through every page,
saving a screenshot of each (tests/e2e/conftest.py: ``FINCAST_SCREENSHOTS_DIR``).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.dashboard.bankfile import bank_csv
from tests.e2e.conftest import api_and_dashboard, settle

pytestmark = pytest.mark.e2e
PASSWORD = "quiet harbour lanterns 7"
REAL_FILE = Path("bank-exports") / "csv" / "chase_style_checking.csv"
WAIT = 120_000


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    with api_and_dashboard(tmp_path_factory.mktemp("journey")) as urls:
        yield urls


def _bank_files(shared: Path, tmp: Path) -> list[Path]:
    """The real export (when ../shared/data is here) and months of generated history."""
    generated = tmp / "history.csv"
    generated.write_bytes(bank_csv())
    real = shared / REAL_FILE
    if not real.is_file():
        print(f"real bank file {real} absent: importing the generated one only")
        return [generated]
    return [real, generated]


def _settle(page: Any) -> None:
    """Wait until Streamlit has finished the run the last action started."""
    settle(page, WAIT)


def _go(page: Any, title: str) -> None:
    page.get_by_role("link", name=title, exact=True).click()
    first_word = re.compile(re.escape(title.split(" ")[0]), re.IGNORECASE)
    page.get_by_role("heading", name=first_word).first.wait_for(timeout=WAIT)
    _settle(page)


def _choose(page: Any, label: str, option: str | re.Pattern[str]) -> None:
    """Pick ``option`` in the Streamlit select box labelled ``label`` (a combobox).

    A click that lands while the page is still laying out only focuses the box, so this
    clicks until the list is open; a rerun that redraws the page while the list is open
    closes it again (the option is detached), so the list is opened again then.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    combo = page.get_by_role("combobox", name=label, exact=True).last
    text = re.compile(f"^{re.escape(option)}$") if isinstance(option, str) else option
    for attempt in range(5):
        for _ in range(10):
            combo.click()
            try:
                expect(combo).to_have_attribute("aria-expanded", "true", timeout=2_000)
                break
            except AssertionError:
                continue
        try:
            page.get_by_role("option").filter(has_text=text).first.click(timeout=6_000)
            break
        except PlaywrightTimeout:
            if attempt == 4:
                raise
    _settle(page)


def _type(field: Any, text: str) -> None:
    """Fill a Streamlit input and leave it: Streamlit commits a value on blur, not on fill."""
    field.fill(text)
    field.press("Tab")


def _shot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_a_newcomer_signs_up_imports_corrects_budgets_and_forecasts(
    servers: tuple[str, str], browser: Any, screenshots: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from tests.conftest import SHARED_DATA

    _api, dash = servers
    files = _bank_files(SHARED_DATA, tmp_path)
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(dash, wait_until="domcontentloaded")

    # Sign up.
    page.get_by_role("tab", name="Create an account").click()
    form = page.locator('[data-testid="stForm"]').filter(has_text="Repeat the password")
    _type(form.get_by_label("Email"), f"newcomer-{os.getpid()}@example.com")
    _type(form.get_by_label("Password", exact=True), PASSWORD)
    _type(form.get_by_label("Repeat the password"), PASSWORD)
    _shot(page, screenshots, "00-sign-up")
    form.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("No accounts yet")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("Signed in as")).to_be_visible()
    expect(page.get_by_text("Deploy", exact=True)).to_have_count(0)

    # An account.
    _go(page, "Accounts")
    form = page.locator('[data-testid="stForm"]').filter(has_text="New account")
    _type(form.get_by_label("Name"), "Everyday checking")
    form.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Account “Everyday checking” created.")).to_be_visible(timeout=WAIT)
    _settle(page)

    # Import the bank files.
    _go(page, "Import")
    expect(page.get_by_text("up to 50 MiB")).to_be_visible()
    for file in files:
        page.locator('input[type="file"]').set_input_files(str(file))
        # The uploader shortens long names ("chase_s...ecking.csv"); its size line shows.
        uploader = page.locator('[data-testid="stFileUploader"]')
        expect(uploader.get_by_text(re.compile(r"\d(\.\d)?\s?[KM]?B$"))).to_be_visible(timeout=WAIT)
        page.get_by_role("button", name="Preview", exact=True).click()  # then confirm it
        expect(page.get_by_text(f"Preview of {file.name}")).to_be_visible(timeout=WAIT)
        page.get_by_role("button", name="Import", exact=True).click()
        expect(
            page.get_by_text(re.compile(rf"{re.escape(file.name)} \(\w+\): \d+ imported"))
        ).to_be_visible(timeout=WAIT)
        _settle(page)
    expect(page.get_by_text("Import history")).to_be_visible()
    _shot(page, screenshots, "03-import")
    _go(page, "Accounts")
    expect(page.locator('[data-testid="stTable"]').get_by_text("Everyday checking")).to_be_visible()
    _shot(page, screenshots, "02-accounts")

    # Find the transactions and correct one of last month's.
    _go(page, "Transactions")
    page.get_by_label("Search payee or description").fill("NETFLIX")
    page.get_by_label("Search payee or description").press("Enter")
    expect(page.get_by_text(re.compile(r"^9 transactions match"))).to_be_visible(timeout=WAIT)
    _shot(page, screenshots, "04-transactions")
    page.get_by_text("Correct one transaction").click()
    last_month = time.strftime(
        "%Y-%m", time.localtime(time.time() - 86400 * time.localtime().tm_mday)
    )
    _choose(page, "Transaction", re.compile(rf"^{last_month}-\d\d · "))
    _choose(page, "New category", "Entertainment")
    page.get_by_role("button", name="Save category").click()
    expect(page.get_by_text("1 transaction re-categorized.")).to_be_visible(timeout=WAIT)

    # ... and see it on the overview.
    _go(page, "Overview")
    table = page.locator('[data-testid="stTable"]')
    expect(table.get_by_text("Entertainment")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("Income, spending and savings per month")).to_be_visible(timeout=WAIT)
    if len(files) == 2:  # the real 2016 export beside this year's months: not years of zeros
        expect(page.get_by_text(re.compile(r"^History from \d{4}-\d\d: "))).to_be_visible()
    _shot(page, screenshots, "01-overview")

    # A budget and its progress bar.
    _go(page, "Budgets")
    _choose(page, "Category", "Groceries")
    page.get_by_role("button", name="Create budget").click()
    bar = page.locator('[data-testid="stProgress"]')
    expect(bar).to_have_count(1, timeout=WAIT)
    expect(bar.get_by_text(re.compile(r"Groceries: .+ of \$300\.00"))).to_be_visible()
    _shot(page, screenshots, "06-budgets")

    for title, name in (("Categories & rules", "05-categories"), ("Goals & debts", "07-goals")):
        _go(page, title)
        _shot(page, screenshots, name)

    # The forecast, its chart and its 95% range.
    _go(page, "Forecast")
    expect(page.get_by_text("95% range:")).to_be_visible(timeout=WAIT)
    chart = page.locator(".js-plotly-plot").first
    expect(chart).to_be_visible(timeout=WAIT)
    expect(chart.get_by_text("95% range", exact=True)).to_be_visible()
    _shot(page, screenshots, "08-forecast")

    # Sign out: back to the form.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("tab", name="Sign in")).to_be_visible(timeout=WAIT)
    page.close()
