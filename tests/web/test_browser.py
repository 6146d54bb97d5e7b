"""The portal in headless Chromium: navigation, the gallery by keyboard, related links, XSS, screenshots."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bawaba.models import Article

from .sample import STORIES, Portal, build_portal

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
IMAGE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="450"><rect width="800" height="450" '
    'fill="#3a6ea5"/><circle cx="400" cy="225" r="120" fill="#f2c14e"/></svg>'
)


@pytest.fixture(scope="session")
def chromium() -> str:
    if not Path(CHROMIUM).exists():
        if shutil.which("apt-get") is None:
            pytest.skip("no chromium and no apt-get")
        subprocess.run(
            ["apt-get", "install", "-y", "chromium"], check=False, capture_output=True, timeout=600
        )
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium could not be installed")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Portal]]:
    import uvicorn

    portal = build_portal(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'b.db'}")
    source = portal.sources["sharq-daily"]
    hostile = [
        ("<script>alert(1)</script>", "<p>نص</p><script>alert(1)</script>"),
        ("<img src=x onerror=alert(1)>", "<p>صورة</p><img src=x onerror=alert(1)>"),
        ('<a href="javascript:alert(1)">رابط</a>', '<p><a href="javascript:alert(1)">رابط خبيث</a></p>'),
        ("<svg onload=alert(1)>", "<svg onload=alert(1)><circle r=4></circle></svg>"),
        ('"><script>alert(1)</script>', '<p title=""><script>alert(1)</script>">نص</p>'),
    ]
    for n, (title, html) in enumerate(hostile):
        portal.add(
            Article(
                url=f"https://sharq.example/evil/{n}",
                canonical_url=f"https://sharq.example/evil/{n}",
                source_id=source.id or 0,
                title=f"خبر {title}",
                text=f"نص {title}",
                html=html,
                category="misc",
            )
        )
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(portal.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", portal
    finally:
        server.should_exit = True
        thread.join(10)
        portal.client.close()
        portal.store.close()


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
        try:
            yield instance
        finally:
            instance.close()


def _page(browser: object, width: int = 1280, height: int = 900) -> tuple[object, list[str], list[str]]:
    context = browser.new_context(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    page = context.new_page()
    page.route(
        "https://img.example/**", lambda route: route.fulfill(body=IMAGE_SVG, content_type="image/svg+xml")
    )
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def on_dialog(dialog: object) -> None:
        dialogs.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", on_dialog)
    return page, errors, dialogs


def test_home_to_article_and_gallery_keyboard(browser: object, served: tuple[str, Portal]) -> None:
    base, _portal = served
    page, errors, dialogs = _page(browser)
    page.goto(base + "/")  # type: ignore[attr-defined]
    page.get_by_role("link", name=STORIES[0][1]).first.click()  # type: ignore[attr-defined]
    page.wait_for_url("**/article/**")  # type: ignore[attr-defined]
    crumbs = page.locator("nav.breadcrumb a").all_inner_texts()  # type: ignore[attr-defined]
    assert crumbs == ["أخبار مصر", "وادي النيل نيوز"]
    status = page.locator(".gallery-status")  # type: ignore[attr-defined]
    assert status.inner_text() == "1/3"
    # keyboard: focus the first slide; in RTL the next slide lies to the left
    page.locator("#img-1").focus()  # type: ignore[attr-defined]
    page.keyboard.press("ArrowLeft")  # type: ignore[attr-defined]
    page.wait_for_function("document.querySelector('.gallery-status').textContent === '2/3'")  # type: ignore[attr-defined]
    page.keyboard.press("ArrowRight")  # type: ignore[attr-defined]
    page.wait_for_function("document.querySelector('.gallery-status').textContent === '1/3'")  # type: ignore[attr-defined]
    # Tab to the "next" link of slide 1 and press Enter
    page.locator("#img-1").focus()  # type: ignore[attr-defined]
    page.keyboard.press("Tab")  # type: ignore[attr-defined]
    focused = page.evaluate("document.activeElement.getAttribute('href')")  # type: ignore[attr-defined]
    assert focused == "#img-2"
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.wait_for_function("document.querySelector('.gallery-status').textContent === '2/3'")  # type: ignore[attr-defined]
    original = page.locator("a.original")  # type: ignore[attr-defined]
    assert original.get_attribute("rel") == "nofollow noopener"
    assert original.get_attribute("href") == "https://wadi.example/news/1"
    assert page.locator("section.related h3 a").count() >= 4  # type: ignore[attr-defined]
    assert not errors and not dialogs, (errors, dialogs)


def test_gallery_works_without_javascript(browser: object, served: tuple[str, Portal]) -> None:
    base, portal = served
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})  # type: ignore[attr-defined]
    page = context.new_page()
    page.route(
        "https://img.example/**", lambda route: route.fulfill(body=IMAGE_SVG, content_type="image/svg+xml")
    )
    page.goto(f"{base}/article/{portal.by_title[STORIES[0][1]]}")
    page.locator("#img-1 a.next").click()
    page.wait_for_timeout(300)
    box = page.locator("#img-2").bounding_box()
    track = page.locator(".slides").bounding_box()
    assert box is not None and track is not None
    assert abs(box["x"] - track["x"]) < 2  # slide 2 now fills the track
    assert page.locator("#img-2 .counter").inner_text() == "2/3"
    context.close()


def test_hostile_articles_do_not_execute(browser: object, served: tuple[str, Portal]) -> None:
    base, _portal = served
    page, errors, dialogs = _page(browser)
    page.goto(base + "/")  # type: ignore[attr-defined]
    page.goto(base + "/category/misc")  # type: ignore[attr-defined]
    links = page.locator("div.list h3 a")  # type: ignore[attr-defined]
    assert links.count() == 5
    hrefs = [links.nth(i).get_attribute("href") for i in range(5)]
    for href in hrefs:
        page.goto(base + href)  # type: ignore[attr-defined]
        page.wait_for_load_state("load")  # type: ignore[attr-defined]
        for anchor in page.locator(".body a").all():  # type: ignore[attr-defined]
            assert not (anchor.get_attribute("href") or "").startswith("javascript:")
            anchor.click()
    page.goto(base + "/search?q=alert")  # type: ignore[attr-defined]
    assert not dialogs, dialogs
    assert not [e for e in errors if "alert" in e], errors


def test_screenshots(browser: object, served: tuple[str, Portal]) -> None:
    base, portal = served
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    article = f"{base}/article/{portal.by_title[STORIES[0][1]]}"
    for width, height in ((360, 740), (1280, 900)):
        page, errors, _ = _page(browser, width, height)
        for name, url in (("home", base + "/"), ("article", article)):
            page.goto(url)  # type: ignore[attr-defined]
            target = SCREENSHOTS / f"{name}-{width}x{height}.png"
            page.screenshot(path=str(target), full_page=False)  # type: ignore[attr-defined]
            assert target.stat().st_size > 5_000
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")  # type: ignore[attr-defined]
            assert overflow <= 1, (name, width, overflow)  # readable at 360 px: no sideways scroll
        assert not errors, errors


def test_api_docs_render_from_local_assets(browser: object, served: tuple[str, Portal]) -> None:
    base, _portal = served
    page, errors, _ = _page(browser)
    outside: list[str] = []
    page.on("request", lambda req: outside.append(req.url) if not req.url.startswith(base) else None)  # type: ignore[attr-defined]
    page.goto(base + "/api/docs")  # type: ignore[attr-defined]
    page.wait_for_selector(".opblock")  # type: ignore[attr-defined]
    assert page.locator(".opblock").count() == 8  # type: ignore[attr-defined]
    assert not outside and not errors, (outside, errors)
