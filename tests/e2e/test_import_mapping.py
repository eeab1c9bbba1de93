"""The import preview and the mapping fix step in a real browser (Chromium).

A file whose amounts carry no signs is previewed: the page says what is unclear and shows
the file's columns; the user maps the amounts as money out, checks the preview again (the
rows now show negative amounts), imports, and the next file of that layout is read with the
saved mapping. Screenshots: ``import-preview-unclear.png``, ``import-preview-fixed.png``,
``import-saved-mapping.png``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import api_and_dashboard, settle

pytestmark = pytest.mark.e2e
PASSWORD = "quiet harbour lanterns 7"
WAIT = 120_000
FIRST = b"Wann;Wer;Summe\n2024-01-12;Bakery Sonne;5.40\n2024-01-13;Kino Astor;12.00\n"
LATER = b"Wann;Wer;Summe\n2024-02-14;Bakery Sonne;7.10\n"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    with api_and_dashboard(tmp_path_factory.mktemp("mapping")) as urls:
        yield urls


def _type(field: Any, text: str) -> None:
    field.fill(text)
    field.press("Tab")


def _choose(page: Any, label: str, option: str) -> None:
    """Pick ``option`` in the select box labelled ``label``, clicking until its list opens."""
    from playwright.sync_api import expect

    combo = page.get_by_role("combobox", name=label, exact=True).last
    for _ in range(10):
        combo.click()
        try:
            expect(combo).to_have_attribute("aria-expanded", "true", timeout=2_000)
            break
        except AssertionError:
            continue
    page.get_by_role("option").filter(has_text=re.compile(f"^{re.escape(option)}$")).first.click()
    page.wait_for_timeout(300)


def _cells(grid: Any, text: str) -> Any:
    """The grid cells holding exactly ``text``."""
    return grid.locator('td[role="gridcell"]').filter(has_text=re.compile(f"^{re.escape(text)}$"))


def _upload_and_preview(page: Any, file: Path) -> None:
    from playwright.sync_api import expect

    page.locator('input[type="file"]').set_input_files(str(file))
    uploader = page.locator('[data-testid="stFileUploader"]')
    expect(uploader.get_by_text(re.compile(r"\d(\.\d)?\s?[KM]?B$"))).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.get_by_text(f"Preview of {file.name}")).to_be_visible(timeout=WAIT)
    settle(page, WAIT)


def test_preview_fix_the_mapping_import_and_reuse_it(
    servers: tuple[str, str], browser: Any, screenshots: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    _api, dash = servers
    page = browser.new_page(viewport={"width": 1366, "height": 1400})
    page.goto(dash, wait_until="domcontentloaded")
    page.get_by_role("tab", name="Create an account").click()
    form = page.locator('[data-testid="stForm"]').filter(has_text="Repeat the password")
    _type(form.get_by_label("Email"), f"mapper-{os.getpid()}@example.com")
    _type(form.get_by_label("Password", exact=True), PASSWORD)
    _type(form.get_by_label("Repeat the password"), PASSWORD)
    form.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("No accounts yet")).to_be_visible(timeout=WAIT)
    page.get_by_role("link", name="Accounts", exact=True).click()
    settle(page, WAIT)
    form = page.locator('[data-testid="stForm"]').filter(has_text="New account")
    _type(form.get_by_label("Name"), "Giro")
    form.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Account “Giro” created.")).to_be_visible(timeout=WAIT)
    settle(page, WAIT)
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_text("up to 50 MiB")).to_be_visible(timeout=WAIT)
    settle(page, WAIT)

    # 1. The preview says exactly what is unclear; nothing is imported yet.
    first = tmp_path / "giro-januar.csv"
    first.write_bytes(FIRST)
    _upload_and_preview(page, first)
    expect(
        page.get_by_text(re.compile("'Summe' holds amounts without signs")).first
    ).to_be_visible()
    expect(page.get_by_text("Would not import", exact=False)).to_be_visible()
    expect(page.get_by_text("Nothing imported yet.")).to_be_visible()
    page.screenshot(path=str(screenshots / "import-preview-unclear.png"), full_page=True)

    # 2. Fix the mapping: the amounts are money out. Check again: the rows are negative.
    _choose(page, "Amount (signed)", "(none)")
    _choose(page, "Debit (money out)", "Summe")
    page.get_by_role("button", name="Check again", exact=True).click()
    settle(page, WAIT)
    expect(page.get_by_text("2 transactions", exact=False)).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("Would not import", exact=False)).to_have_count(0)
    rows = page.locator('[data-testid="stDataFrame"]').last
    for cell in ("2024-01-12", "-5.40", "Bakery Sonne", "-12.00", "Kino Astor"):
        # The grid paints on a canvas; its cells are in an accessibility table (hidden).
        expect(_cells(rows, cell)).not_to_have_count(0)
    page.screenshot(path=str(screenshots / "import-preview-fixed.png"), full_page=True)

    # 3. Import with the mapping remembered for the account.
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text(re.compile(r"giro-januar\.csv \(csv\): 2 imported"))).to_be_visible(
        timeout=WAIT
    )
    settle(page, WAIT)

    # 4. The next file of that layout is read with the saved mapping, signs and all.
    later = tmp_path / "giro-februar.csv"
    later.write_bytes(LATER)
    _upload_and_preview(page, later)
    expect(page.get_by_text("the saved mapping of Giro", exact=False)).to_be_visible()
    expect(page.get_by_text("1 transactions", exact=False)).to_be_visible()
    expect(_cells(page, "-7.10")).not_to_have_count(0)
    page.screenshot(path=str(screenshots / "import-saved-mapping.png"), full_page=True)
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text(re.compile(r"giro-februar\.csv \(csv\): 1 imported"))).to_be_visible(
        timeout=WAIT
    )
    page.close()
