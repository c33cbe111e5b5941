"""Drives the HTML report in a real headless Chromium (Debian's chromium + chromedriver, through
Selenium) and checks what a reader relies on: the page loads with no console error and loads
nothing from anywhere, every finding is there, each filter shows exactly the findings the JSON
report of the same run says it should, the filter survives a reload through the address, and a
screenshot is written.

    python3 tests/browser/html_report.py REPORT.html REPORT.json SCREENSHOT.png

Run by tests/html_report.rs; prints one line per check and exits non-zero on the first failure.
"""
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

html, report, shot = (Path(p).resolve() for p in sys.argv[1:4])
findings = json.loads(report.read_text())["findings"]
assert findings, "the report under test must have findings"


def check(ok, what):
    if not ok:
        print(f"FAIL: {what}")
        sys.exit(1)
    print(f"ok: {what}")


opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
# Without the background-networking flags Chromium tries to reach Google's hosts, which this
# machine's closed network refuses; none of it concerns the page.
for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--window-size=1280,1800", f"--user-data-dir={tempfile.mkdtemp()}"]:
    opts.add_argument(flag)
opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
try:
    url = html.as_uri()
    driver.get(url)
    check(driver.title == "secretgate report", "the page loads")
    articles = driver.find_elements(By.CSS_SELECTOR, "article.finding")
    check(len(articles) == len(findings), f"all {len(findings)} findings are on the page")
    shown = lambda: [a for a in driver.find_elements(By.CSS_SELECTOR, "article.finding") if a.is_displayed()]
    check(len(shown()) == len(findings), "no filter: every finding is visible")
    resources = driver.execute_script("return performance.getEntriesByType('resource').length")
    check(resources == 0, "the page loads nothing (no request of any kind)")

    rules = Counter(f["rule"] for f in findings)
    rule, n = rules.most_common()[-1]
    Select(driver.find_element(By.ID, "f-rule")).select_by_value(rule)
    check(len(shown()) == n, f"rule filter {rule}: {n} shown")
    check(all(a.get_attribute("data-rule") == rule for a in shown()), "only that rule is shown")
    check(driver.find_element(By.ID, "shown").text == f"{n} of {len(findings)} findings shown", "the count says so")
    check(f"rule={rule}" in driver.current_url, "the filter is in the address")

    Select(driver.find_element(By.ID, "f-rule")).select_by_value("")
    severity = Counter(f["severity"] for f in findings).most_common(1)[0][0]
    Select(driver.find_element(By.ID, "f-severity")).select_by_value(severity)
    want = sum(1 for f in findings if f["severity"] == severity)
    check(len(shown()) == want, f"severity filter {severity}: {want} shown")

    envs = Counter(e for f in findings for e in f.get("envs", []))
    if envs:
        env = sorted(envs)[0]
        Select(driver.find_element(By.ID, "f-env")).select_by_value(env)
        want = sum(1 for f in findings if f["severity"] == severity and env in f.get("envs", []))
        check(len(shown()) == want, f"severity {severity} and environment {env}: {want} shown")
        filtered = driver.current_url
        driver.get("about:blank")
        driver.get(filtered)
        check(len(shown()) == want, "a reload of the filtered address shows the same findings")
        check(Select(driver.find_element(By.ID, "f-env")).first_selected_option.get_attribute("value") == env,
              "and the environment select says so")

    frames = driver.find_elements(By.CSS_SELECTOR, "pre.frame")
    check(len(frames) > 0 and "«redacted»" in driver.page_source, "code frames are there, redacted")
    check(len(driver.find_elements(By.CSS_SELECTOR, "svg.graph")) > 0, "the secret graph is drawn")

    driver.get(url)
    driver.save_screenshot(str(shot))
    check(shot.stat().st_size > 10_000, f"screenshot written to {shot.name}")
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    check(not errors, f"no console error ({errors})")
finally:
    driver.quit()
