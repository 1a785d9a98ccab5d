"""The report's --html page in a real headless browser (Debian's chromium and chromium-driver,
driven by selenium): it loads from a file with no console error, holds every table and figure
with nothing fetched from elsewhere, and a click on a header sorts that table. Skipped, saying
why, where no browser is installed (scripts/setup installs one for the tests)."""
import re
import shutil

import pytest

from ganrun_analysis import report as rp
from ganrun_analysis.blocks import Figure, Table

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")


def browser_paths():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.skip("no headless browser: apt-get install chromium chromium-driver "
                    "(scripts/setup does with GANRUN_SETUP_TESTS=1)")
    return chromium, driver


@pytest.fixture(scope="module")
def page(sweeps, tmp_path_factory):
    folder = tmp_path_factory.mktemp("html")
    path, data = rp.write_report([sweeps["main"], sweeps["extra"]], folder, html=True)
    return path, data["report"]


@pytest.fixture(scope="module")
def browser():
    chromium, driver = browser_paths()
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    b = webdriver.Chrome(service=Service(driver), options=options)
    yield b
    b.quit()


def test_page_is_self_contained(page):
    path, report = page
    text = path.read_text()
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", text)
    assert "<strong>1 run is still running</strong>" in text and "**" not in text
    assert text.count('src="data:image/png;base64,') == sum(
        isinstance(b, Figure) for b in report.blocks)


def test_page_loads_with_its_tables_and_sorts_on_a_click(page, browser):
    from selenium.webdriver.common.by import By
    path, report = page
    browser.get(path.as_uri())
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    tables = browser.find_elements(By.CSS_SELECTOR, "table.sortable")
    built = [b for b in report.blocks if isinstance(b, Table)]
    assert len(tables) == len(built)
    for table, block in zip(tables, built):
        rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
        assert len(rows) == len(block.rows)
        assert [th.text.strip() for th in table.find_elements(By.CSS_SELECTOR, "thead th")] == \
            block.header
    images = browser.find_elements(By.TAG_NAME, "img")
    assert len(images) == sum(isinstance(b, Figure) for b in report.blocks)
    for img in images:  # decoded: the browser knows its size
        assert browser.execute_script("return arguments[0].naturalWidth", img) > 0

    # The gan table (lr 1e-4, 1e-3, 3e-3, 1e20): click "lr" twice, then "final ...".
    table = tables[0]
    header = table.find_elements(By.CSS_SELECTOR, "thead th")

    def column(i):
        cells = [r.find_elements(By.TAG_NAME, "td")[i] for r in
                 table.find_elements(By.CSS_SELECTOR, "tbody tr")]
        return [c.get_attribute("data-sort") for c in cells], [c.text for c in cells]

    header[0].click()
    keys, _ = column(0)
    values = [float(k) for k in keys]
    assert values == sorted(values) and len(set(values)) > 1
    header[0].click()
    keys, _ = column(0)
    assert [float(k) for k in keys] == sorted(values, reverse=True)
    header[2].click()  # final quality: cells without a value ("-") go last
    keys, texts = column(2)
    numbers = [float(k) for k in keys if k is not None]
    assert numbers == sorted(numbers)
    assert all(t == "-" for k, t in zip(keys, texts) if k is None)
    assert keys[-1] is None  # the diverged run's cell
    assert [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")] == []
