"""Portal throughput and latency with wrk, beside a static file of the same size on the same stack.

Builds (once, cached under artifacts/) a SQLite store of N articles synthesised from a few
hundred invented Arabic template articles, serves it with uvicorn (separate processes, 2 workers)
and loads it with wrk at 16 and 64 connections on 127.0.0.1 only. wrk sends no Accept-Encoding,
so the portal answers with the same uncompressed bytes as the peer; one row asks for gzip. The peer is a Starlette
StaticFiles app serving a saved copy of an article page (same size) under the same uvicorn
setup. Goal: article p99 <= 50 ms at 64 clients on 2 cores.

    python bench/web.py [--articles 100000] [--duration 10] [--workers 2]
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from bawaba.models import Article, Image, Source
from bawaba.store import open_store

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"

# Invented building blocks: 8 x 6 x 6 = 288 template headlines, each with its own body.
WHO = [
    "وزير النقل",
    "محافظ الإسكندرية",
    "رئيس الوزراء",
    "وزيرة التضامن",
    "نقابة الأطباء",
    "اتحاد الكرة",
    "البنك المركزي",
    "جامعة عين شمس",
]
WHAT = ["يفتتح", "يعلن عن", "يناقش", "يتابع", "يطلق", "يوقع اتفاقا بشأن"]
TOPIC = [
    "مشروعا جديدا للطرق",
    "خطة لتطوير المدارس",
    "مبادرة للتشغيل",
    "برنامجا لدعم الصادرات",
    "حملة للتوعية الصحية",
    "تعديلات على قانون المرور",
]
CATEGORIES = ["egypt", "politics", "economy", "sports", "health", "technology", "culture", "world"]
PARAGRAPHS = [
    "وأكد المسؤول في تصريحات صحفية أن العمل يجري وفق جدول زمني محدد وبمتابعة يومية.",
    "وأشار إلى أن المرحلة الأولى تشمل عددا من المحافظات على أن تمتد لاحقا إلى بقية المناطق.",
    "ولفت إلى التنسيق الكامل مع الجهات المعنية لضمان تحقيق الأهداف المرجوة في أسرع وقت.",
    "ومن المنتظر أن يستفيد من المشروع آلاف المواطنين خلال العام المقبل بحسب البيانات الرسمية.",
    "وشهد اللقاء حضور عدد من القيادات التنفيذية وممثلي المجتمع المدني.",
    "وأوضح البيان أن التمويل يأتي من الموازنة العامة بالإضافة إلى مساهمات من القطاع الخاص.",
]


def templates() -> list[tuple[str, str, str]]:
    """(category, title, text) for every combination: a few hundred distinct template articles."""
    out = []
    for n, (who, what, topic) in enumerate(itertools.product(WHO, WHAT, TOPIC)):
        rng = random.Random(n)
        body = "\n".join(rng.sample(PARAGRAPHS, 4) * 2)
        out.append((CATEGORIES[n % len(CATEGORIES)], f"{who} {what} {topic}", body))
    return out


def build_store(path: Path, count: int) -> None:
    """Fill a fresh SQLite store with ``count`` articles (skipped when the cached one matches)."""
    marker = path.with_suffix(".count")
    if path.exists() and marker.exists() and marker.read_text() == str(count):
        return
    for stale in (path, marker):
        stale.unlink(missing_ok=True)
    store = open_store(f"sqlite:///{path}")
    sources = [
        store.add_source(
            Source(slug=f"src-{i}", name=f"صحيفة الخبر {i}", homepage=f"https://news{i}.example/")
        )
        for i in range(20)
    ]
    base = templates()
    now = datetime.now(UTC)
    started = time.monotonic()
    for i in range(count):
        category, title, text = base[i % len(base)]
        source = sources[i % len(sources)]
        url = f"{source.homepage}a/{i}"
        html = "".join(f"<p>{p}</p>" for p in text.split("\n"))
        images = tuple(
            Image(f"https://img.example/{i}-{k}.jpg", f"صورة رقم {k}", 800, 450) for k in range(1, 4)
        )
        store.upsert_article(
            Article(
                url=url,
                canonical_url=url,
                source_id=source.id or 0,
                title=f"{title} ({i})",
                text=text,
                html=html,
                published_at=now - timedelta(minutes=i),
                first_seen=now - timedelta(minutes=i),
                category=category,
                images=images,
                lead_image=images[0].src,
                author="محرر الشؤون المحلية",
            )
        )
        if i and i % 10_000 == 0:
            print(f"  {i} articles ({i / (time.monotonic() - started):.0f}/s)", file=sys.stderr)
    store.close()
    marker.write_text(str(count))


def migrate_store(path: Path) -> None:
    """Bring a cached store to the newest schema: the uvicorn workers open it without migrating."""
    open_store(f"sqlite:///{path}").close()


def static_app() -> Starlette:
    """The peer: the same uvicorn stack serving a saved article page from disk."""
    return Starlette(routes=[Mount("/", StaticFiles(directory=os.environ["BENCH_STATIC_DIR"]))])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(target: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            target,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
            "--app-dir",
            str(ROOT / "bench"),
        ],
        env={**os.environ, **env},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)  # loopback only
            return proc
        except OSError as exc:
            if getattr(exc, "code", None):  # an HTTP error status means the server answers
                return proc
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"{target} did not start")


def run_wrk(
    url: str, connections: int, duration: int, script: Path | None
) -> tuple[float, float, float, int]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    if script is not None:
        cmd += ["-s", str(script)]
    out = subprocess.run(
        [*cmd, url], capture_output=True, text=True, timeout=duration + 60, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    if re.search(r"Non-2xx or 3xx responses", out):
        print(f"warning: non-2xx answers for {url}", file=sys.stderr)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    if "Latency Distribution" not in out or rps == 0:
        return rps, float("nan"), float("nan"), errors
    return rps, ms("50"), ms("99"), errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")
    ARTIFACTS.mkdir(exist_ok=True)
    db = ARTIFACTS / f"bench-web-{args.articles}.db"
    print(f"store: {db} ({args.articles} articles)", file=sys.stderr)
    build_store(db, args.articles)
    migrate_store(db)

    env = {"BAWABA_DATABASE_URL": f"sqlite:///{db}", "BAWABA_SITE_URL": "http://127.0.0.1"}
    portal_port, static_port = free_port(), free_port()
    portal = start("bawaba.commands.web:app_from_env", portal_port, args.workers, env)
    static_dir = Path(tempfile.mkdtemp(prefix="bench-web-static-"))
    lua = static_dir / "articles.lua"
    recent_lua = static_dir / "recent.lua"
    gzip_lua = static_dir / "gzip.lua"
    try:
        sample = urllib.request.urlopen(f"http://127.0.0.1:{portal_port}/article/1", timeout=10).read()
        (static_dir / "article.html").write_bytes(sample)
        lua.write_text(
            f"math.randomseed(42)\nrequest = function()\n"
            f"  return wrk.format('GET', '/article/' .. math.random(1, {args.articles}))\nend\n"
        )
        # readers mostly open recent news: ids among the newest 2,000 (the store's ids follow age)
        recent_lua.write_text(
            f"math.randomseed(7)\nrequest = function()\n"
            f"  return wrk.format('GET', '/article/' .. math.random({max(1, args.articles - 1999)}, "
            f"{args.articles}))\nend\n"
        )
        gzip_lua.write_text(
            "request = function()\n"
            "  return wrk.format('GET', '/article/1', {['Accept-Encoding'] = 'gzip'})\nend\n"
        )
        static = start("web:static_app", static_port, args.workers, {"BENCH_STATIC_DIR": str(static_dir)})
        try:
            cases = [
                ("static file (peer)", f"http://127.0.0.1:{static_port}/article.html", None),
                ("article, random id", f"http://127.0.0.1:{portal_port}/", lua),
                ("article, newest 2000", f"http://127.0.0.1:{portal_port}/", recent_lua),
                ("article, hot (cached)", f"http://127.0.0.1:{portal_port}/article/1", None),
                ("article, hot, gzip", f"http://127.0.0.1:{portal_port}/", gzip_lua),
                ("home", f"http://127.0.0.1:{portal_port}/", None),
                ("category listing", f"http://127.0.0.1:{portal_port}/category/economy", None),
                ("api articles limit=20", f"http://127.0.0.1:{portal_port}/api/v1/articles", None),
            ]
            results: dict[tuple[str, int], tuple[float, float, float, int]] = {}
            for _name, url, script in cases:  # warm the OS page cache and the app's caches first
                run_wrk(url, 16, max(2, args.duration // 3), script)
            for connections in (16, 64):
                for name, url, script in cases:
                    results[(name, connections)] = run_wrk(url, connections, args.duration, script)
        finally:
            static.terminate()
            static.wait(10)
    finally:
        portal.terminate()
        portal.wait(10)
        shutil.rmtree(static_dir, ignore_errors=True)

    print(
        f"\nportal bench: {args.articles} articles, {args.workers} uvicorn workers, {os.cpu_count()} cores, "
        f"page size {len(sample)} bytes, wrk {args.duration}s"
    )
    print(
        f"{'case':<24}{'conns':>6}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'req/s vs static':>17}{'p99 vs static':>15}"
    )
    for connections in (16, 64):
        _, _, peer_p99, _ = peer = results[("static file (peer)", connections)]
        for name, _, _ in cases:
            rps, p50, p99, errors = results[(name, connections)]
            ratio = rps / peer[0] if peer[0] else float("nan")
            slower = p99 / peer_p99 if peer_p99 else float("nan")
            print(
                f"{name:<24}{connections:>6}{rps:>10.0f}{p50:>9.1f}{p99:>9.1f}{errors:>8}"
                f"{ratio:>16.2f}x{slower:>14.1f}x"
            )
    p99 = results[("article, random id", 64)][2]
    print(
        f"\ngoal article p99 <= 50 ms at 64 clients: {'met' if p99 <= 50 else 'NOT met'} ({p99:.1f} ms); "
        f"load average {os.getloadavg()[0]:.1f} (other processes skew this)"
    )


if __name__ == "__main__":
    main()
