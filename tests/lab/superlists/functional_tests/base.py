"""The functional tests' base class, in the style of "Test-Driven
Development with Python": a real browser against the live server, or
against the server named by STAGING_SERVER (or TEST_SERVER).

The browser is Debian's headless Chromium driven through
/usr/bin/chromedriver (no driver download): CHROMEDRIVER and
CHROMIUM_BINARY override the paths. FT_HOST_RESOLVER_RULES, if set, is
passed to Chromium's --host-resolver-rules (the test lab's names are not
in the machine's DNS).
"""

import os
import tempfile
import time

from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

MAX_WAIT = float(os.environ.get("FT_MAX_WAIT", "5"))


def new_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1024,768",
    ):
        options.add_argument(flag)
    options.add_argument("--user-data-dir=" + tempfile.mkdtemp(prefix="ft-chromium-"))
    rules = os.environ.get("FT_HOST_RESOLVER_RULES")
    if rules:
        options.add_argument("--host-resolver-rules=" + rules)
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(options=options, service=service)


def wait(fn):
    def modified_fn(*args, **kwargs):
        start_time = time.time()
        while True:
            try:
                return fn(*args, **kwargs)
            except (AssertionError, WebDriverException):
                if time.time() - start_time > MAX_WAIT:
                    raise
                time.sleep(0.5)

    return modified_fn


class FunctionalTest(StaticLiveServerTestCase):
    def setUp(self):
        self.browser = new_browser()
        test_server = os.environ.get("TEST_SERVER") or os.environ.get("STAGING_SERVER")
        if test_server:
            self.live_server_url = "http://" + test_server

    def tearDown(self):
        self.browser.quit()

    @wait
    def wait_for_row_in_list_table(self, row_text):
        table = self.browser.find_element(By.ID, "id_list_table")
        rows = table.find_elements(By.TAG_NAME, "tr")
        self.assertIn(row_text, [row.text for row in rows])

    def get_item_input_box(self):
        return self.browser.find_element(By.ID, "id_new_item")

    def add_list_item(self, item_text):
        num_rows = len(self.browser.find_elements(By.CSS_SELECTOR, "#id_list_table tr"))
        self.get_item_input_box().send_keys(item_text)
        self.get_item_input_box().submit()
        self.wait_for_row_in_list_table(f"{num_rows + 1}: {item_text}")
