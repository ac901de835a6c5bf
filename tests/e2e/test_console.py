"""The web console (/console) in real headless Chromium (Debian's ``chromium`` and
``chromium-driver``, driven by Selenium) against the whole local stack as ``make serve`` runs it:
a person types their key, submits a URL or a file, watches the job finish and plays what was found.
Controls are found by their accessible names, as a screen reader names them; every test ends with
no error in the browser's console; axe-core (npm, pinned in tests/support/axe) finds no serious or
critical violation. Screenshots of the finished job pages go to .test-artifacts/console/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from infra.local.serve import SAMPLE_DIR
from infra.local.stack import free_port
from tests.e2e.test_serve import serve_env, start_serve, stop
from tests.support.comment_site import PLUGIN_DIR, comment, write_talk
from tests.support.media import remux
from tests.support.media_server import MediaServer, serving
from tests.support.vision_media import make_video
from vidscope.client import VidscopeClient

pytestmark = pytest.mark.timeout(300)

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "tests/support/axe/node_modules/axe-core/axe.min.js"
ARTIFACTS = Path(os.environ.get("VIDSCOPE_TEST_ARTIFACTS", REPO / ".test-artifacts")) / "console"
ALL_CAPABILITIES = [
    "transcription", "summary", "brands", "language", "chapters", "shots", "thumbnails", "on_screen_text",
    "shorts", "download", "extract", "preview",
]  # fmt: skip
# Burned into the pictures (the OCR reads them back as they are) and put in the job's metadata.
IMG_PAYLOAD = '<img src=x onerror="window.__xss=1">'
SCRIPT_PAYLOAD = "<script>window.__xss=2</script>"
WAIT_SECONDS = 120


@dataclass(frozen=True)
class Stack:
    base: str
    api_key: str
    banner: str


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    port = free_port()
    # The test-only yt-dlp plugin for the local talk site, found on the path as yt-dlp looks.
    env = serve_env()
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PLUGIN_DIR / "vidscope_site"), env.get("PYTHONPATH")) if p)
    server, output = start_serve(port, tmp_path_factory.mktemp("serve"), env)
    try:
        key = next(line for line in output if "API key:" in line).rsplit(" ", 1)[-1].strip()
        yield Stack(f"http://127.0.0.1:{port}", key, "".join(output))
    finally:
        stop(server, output)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaServer]:
    root = tmp_path_factory.mktemp("console-media")
    # Cuts, burned-in words and the sample's speech under them (22 s); the second carries markup.
    film = make_video(root / "pictures.mp4", seconds=22.0, words=("SPRING SALE", "PEPSI"))
    remux(root / "film.mp4", video=film.path, audio=SAMPLE_DIR / "speech.mp4")
    hostile = make_video(root / "hostile-pictures.mp4", seconds=22.0, words=("<img src=x>", "<script>"))
    remux(root / "hostile.mp4", video=hostile.path, audio=SAMPLE_DIR / "speech.mp4")
    shutil.copy(SAMPLE_DIR / "speech.mp4", root / "speech.mp4")
    # A talk on the local talk site whose comments are markup, one answering the other.
    talk = [comment(1, text=SCRIPT_PAYLOAD), comment(2, parent=1, text=IMG_PAYLOAD)]
    write_talk(root, "hostile-talk", root / "speech.mp4", comments=talk)
    with serving(root) as server:
        yield server


@pytest.fixture(scope="module")
def hostile_job(stack: Stack, media: MediaServer) -> str:
    """Every capability on the film whose pictures read as markup, with markup in its metadata;
    created through the API at the start, so it runs while the first tests drive the browser."""
    with VidscopeClient(stack.base, stack.api_key) as client:
        job = client.create_job(
            media.url("hostile.mp4"),
            ALL_CAPABILITIES,
            options={"brands": {"return_proof": True}, "extract": {"prompt": "the products and brands"}},
            metadata={"campaign": "Spring sale", "note": IMG_PAYLOAD, "script": SCRIPT_PAYLOAD},
        )
    return job.job_id


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "the console tests need Debian's chromium and chromium-driver (.ci/run installs them)"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,1000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    session = webdriver.Chrome(service=Service(driver), options=options)
    try:
        yield session
    finally:
        session.quit()


@pytest.fixture
def page(browser: WebDriver, stack: Stack, hostile_job: str) -> Iterator[WebDriver]:
    """The console, opened with the key typed in; afterwards the browser's console held no error."""
    browser.get(f"{stack.base}/console")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, 'input[name="capability"]'))
    key = named(browser, "API key", tag="input")
    key.clear()
    key.send_keys(stack.api_key)
    named(browser, "Use key", role="button").click()
    wait(browser, lambda d: "credits" in d.find_element(By.ID, "account").text)
    yield browser
    errors = [entry for entry in browser_log(browser) if entry["level"] == "SEVERE"]
    assert errors == [], errors


def browser_log(driver: WebDriver) -> list[dict[str, Any]]:
    """What the page wrote to the browser's console since the last read (read once, then gone)."""
    entries: list[dict[str, Any]] = driver.get_log("browser")  # type: ignore[no-untyped-call]  # untyped in selenium
    return entries


def wait(driver: WebDriver, condition: Callable[[WebDriver], Any], seconds: float = 30) -> Any:
    # The page redraws what moves with the player (the text boxes over it): an element replaced
    # between the look and the read is looked up again.
    return WebDriverWait(
        driver, seconds, poll_frequency=0.1, ignored_exceptions=[StaleElementReferenceException]
    ).until(condition)


def named(driver: WebDriver, name: str, *, role: str | None = None, tag: str | None = None) -> WebElement:
    """The one form control whose accessible name (Chromium's computed label) is ``name``. The
    jobs list refreshes itself while a job runs, so a look that meets a replaced element looks again."""

    def look(d: WebDriver) -> list[WebElement]:
        return [
            element
            for element in d.find_elements(By.CSS_SELECTOR, tag or "input, button, select, textarea")
            if element.accessible_name == name and (role is None or element.aria_role == role)
        ]

    found: list[WebElement] = WebDriverWait(driver, 10, ignored_exceptions=[StaleElementReferenceException]).until(look)
    assert len(found) == 1, f"{len(found)} controls named {name!r}"
    return found[0]


def create_from_form(
    driver: WebDriver, capabilities: list[str], *, url: str | None = None, file: Path | None = None
) -> str:
    if url is not None:
        named(driver, "Video URL", tag="input").send_keys(url)
    if file is not None:
        driver.find_element(By.CSS_SELECTOR, 'input[type="file"]').send_keys(str(file))
    for capability in capabilities:
        named(driver, capability, role="checkbox").click()
    named(driver, "Create job", role="button").click()
    wait(driver, lambda d: d.execute_script("return location.hash").startswith("#/jobs/job_"), seconds=60)
    return str(driver.execute_script("return location.hash")).rsplit("/", 1)[-1]


def finished(driver: WebDriver) -> str:
    """Waits for the job page to show a terminal job; returns its status word as shown."""
    wait(driver, lambda d: d.find_element(By.ID, "job-view").get_attribute("data-status"), WAIT_SECONDS)
    return str(driver.find_element(By.CSS_SELECTOR, ".job-meta .status").text)


def player_time(driver: WebDriver) -> float:
    return float(driver.execute_script("return document.querySelector('.player video').currentTime"))


def screenshot(driver: WebDriver, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(1440, min(height + 40, 4000))
    path = ARTIFACTS / name
    driver.save_screenshot(str(path))
    driver.set_window_size(1440, 1000)
    return path


def test_make_serve_prints_the_console_url_beside_the_docs(stack: Stack) -> None:
    assert f"(docs: {stack.base}/docs, console: {stack.base}/console)" in stack.banner


def test_a_url_job_shows_its_transcript_and_shot_thumbnails_that_seek_the_player(
    page: WebDriver, stack: Stack, media: MediaServer
) -> None:
    # The download capability gives the player a source that serves byte ranges, so it can seek.
    job_id = create_from_form(page, ["transcription", "shots", "thumbnails", "download"], url=media.url("film.mp4"))
    assert finished(page) == "completed"

    transcript = page.find_element(By.CSS_SELECTOR, ".transcript").text
    assert "Microsoft" in transcript and "Starbucks" in transcript
    shots = page.find_elements(By.CSS_SELECTOR, "button.shot")
    assert len(shots) >= 3
    wait(page, lambda d: d.execute_script(
        "const images = [...document.querySelectorAll('button.shot img')];"
        "return images.length > 0 && images.every(i => i.complete && i.naturalWidth > 0);"
    ))  # fmt: skip
    wait(page, lambda d: d.execute_script("const v = document.querySelector('.player video');"
                                          "return v.readyState >= 1 && v.seekable.length > 0;"))  # fmt: skip
    with VidscopeClient(stack.base, stack.api_key) as client:
        results = client.get_job(job_id).results
    assert results is not None
    third = results["shots"]["shots"][2]["start"]

    shots[2].click()
    wait(page, lambda d: abs(player_time(d) - third) < 0.25)

    word = next(w for w in page.find_elements(By.CSS_SELECTOR, ".transcript .word") if w.text == "Microsoft")
    word.click()
    wait(page, lambda d: abs(player_time(d) - float(word.get_attribute("data-t") or 0)) < 0.25)
    current = page.find_element(By.CSS_SELECTOR, '.transcript .line[aria-current="true"]')
    assert "Microsoft" in current.text
    screenshot(page, "url-job.png")


def test_a_file_chosen_in_the_file_input_is_uploaded_then_analysed(page: WebDriver, media: MediaServer) -> None:
    sample = SAMPLE_DIR / "speech.mp4"
    create_from_form(page, ["transcription"], file=sample)
    assert finished(page) == "completed"
    assert "Microsoft" in page.find_element(By.CSS_SELECTOR, ".transcript").text
    assert page.find_element(By.CSS_SELECTOR, ".job-meta").text.count("upload") >= 1


def test_markup_in_metadata_and_on_screen_text_stays_text_and_runs_no_script(
    page: WebDriver, stack: Stack, hostile_job: str
) -> None:
    page.execute_script("location.hash = arguments[0]", f"#/jobs/{hostile_job}")
    assert finished(page) == "completed"
    with VidscopeClient(stack.base, stack.api_key) as client:
        done = client.get_job(hostile_job)
    assert not done.capability_errors and done.results and "preview" in done.results, done.capability_errors

    shown = [dd.text for dd in page.find_elements(By.CSS_SELECTOR, ".metadata dd")]
    assert IMG_PAYLOAD in shown and SCRIPT_PAYLOAD in shown
    texts = page.find_element(By.CSS_SELECTOR, 'section[aria-label="On-screen text"]').text
    assert "<script>" in texts and "<img src=x>" in texts
    assert page.execute_script(
        "return [document.querySelectorAll('img[src=\"x\"]').length, window.__xss === undefined,"
        " document.scripts.length]"
    ) == [0, True, 1]
    # Played to where markup is on screen: its box is drawn over the picture, labelled as text.
    page.find_element(By.CSS_SELECTOR, 'section[aria-label="On-screen text"] button.seek').click()
    # Read in the same look as the find: the box is redrawn as the player's time moves.
    shown_label = wait(page, lambda d: d.find_element(By.CSS_SELECTOR, ".overlay .text-label").text)
    assert shown_label in ("<img src=x>", "<script>")
    # The preview: its clip and its storyboard's sheet, loaded from their presigned links.
    preview = page.find_element(By.CSS_SELECTOR, 'section[aria-label="Preview"]')
    assert preview.find_element(By.CSS_SELECTOR, "video").get_attribute("src")
    wait(page, lambda d: d.execute_script("return document.querySelector('img.storyboard').naturalWidth > 0"))
    wait(page, lambda d: d.execute_script("const v = document.querySelector('.player video');"
                                          "return v.readyState >= 2 && !v.seeking;"))  # fmt: skip
    screenshot(page, "every-capability.png")


def test_a_sites_comments_that_read_as_markup_stay_text_and_run_no_script(
    page: WebDriver, stack: Stack, media: MediaServer
) -> None:
    with VidscopeClient(stack.base, stack.api_key) as client:
        job = client.create_job(media.url("talks/hostile-talk"), ["comments"])
    page.execute_script("location.hash = arguments[0]", f"#/jobs/{job.job_id}")
    assert finished(page) == "completed"
    shown = page.find_element(By.CSS_SELECTOR, 'section[aria-label="Comments"]')
    quoted = [q.text for q in shown.find_elements(By.CSS_SELECTOR, "q")]
    assert quoted == [SCRIPT_PAYLOAD, IMG_PAYLOAD]
    assert len(shown.find_elements(By.CSS_SELECTOR, "li.reply")) == 1
    assert page.execute_script(
        "return [document.querySelectorAll('img[src=\"x\"]').length, window.__xss === undefined,"
        " document.scripts.length]"
    ) == [0, True, 1]


def _axe(driver: WebDriver) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is. The script is injected by
    the driver, which the page's Content-Security-Policy does not govern."""
    driver.execute_script(AXE.read_text() + "\nwindow.axe = axe;")
    violations: list[dict[str, Any]] = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations));"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def test_axe_finds_no_serious_or_critical_violation_on_the_list_or_a_finished_job(
    page: WebDriver, hostile_job: str
) -> None:
    wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, "#jobs-body tr"))
    assert _axe(page) == []
    page.execute_script("location.hash = arguments[0]", f"#/jobs/{hostile_job}")
    finished(page)
    assert _axe(page) == []


def test_an_api_error_is_shown_as_its_code_and_message(browser: WebDriver, stack: Stack) -> None:
    browser.get(f"{stack.base}/console")
    key = named(browser, "API key", tag="input")
    key.clear()
    key.send_keys("sk_live_not-a-key")
    named(browser, "Use key", role="button").click()
    alert = wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, '[role="alert"]:not([hidden])'))
    assert "UNAUTHORIZED" in alert.text
    # The only errors logged are the refused requests themselves.
    logged = [entry["message"] for entry in browser_log(browser) if entry["level"] == "SEVERE"]
    assert logged and all("401" in message for message in logged), logged
    browser.execute_script("sessionStorage.clear()")
