"""`newsarchive serve`: build, serve _site/ on 127.0.0.1, rebuild on change, reload the page.

The rebuilds run in this one long-lived process with a `pipeline.Session`, so the
dictionaries are loaded once: a saved file is parsed, tagged and rendered, and the
page reloads, well within a second.

The live-reload script is injected into HTML responses by the server only, so
the built files stay exactly what `build` publishes. The page polls a tiny
endpoint with the build number (a local request every 100 ms costs nothing); a
finished rebuild bumps it.
"""
from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

RELOAD_PATH = "/__newsarchive_build"
RELOAD_SCRIPT = (
    "<script>(function(){var n=null;setInterval(function(){fetch('%s').then(function(r){return r.text()})"
    ".then(function(t){if(n!==null&&t!==n)location.reload();n=t}).catch(function(){})},100)})();</script>"
) % RELOAD_PATH


class BuildCounter:
    def __init__(self) -> None:
        self.number = 0
        self.lock = threading.Lock()

    def bump(self) -> None:
        with self.lock:
            self.number += 1


def make_handler(site: Path, counter: BuildCounter):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, fmt, *args):  # quiet: the console is for build messages
            pass

        def send_fresh(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the page reloaded mid-poll
                pass

        def do_GET(self):
            if self.path.split("?")[0] == RELOAD_PATH:
                self.send_fresh(str(counter.number).encode(), "text/plain")
                return
            path = Path(self.translate_path(self.path))
            if path.is_dir():
                path = path / "index.html"
            if path.suffix == ".html" and path.is_file():
                html = path.read_bytes().replace(b"</body>", RELOAD_SCRIPT.encode() + b"</body>", 1)
                self.send_fresh(html, "text/html; charset=utf-8")
                return
            super().do_GET()

    return functools.partial(Handler, directory=str(site))


def serve(rebuild, site: Path, watch: list[Path], host: str = "127.0.0.1", port: int = 8000, echo=print) -> None:
    """Serve until interrupted; `rebuild()` runs whenever a watched path changes."""
    from watchfiles import watch as watch_changes

    from .runtime import start_http_server

    counter = BuildCounter()
    server = start_http_server(make_handler(site, counter), host, port)
    echo(f"serving {site}/ at http://{host}:{server.server_address[1]}/  (Ctrl+C to stop)")
    try:
        for changes in watch_changes(*[p for p in watch if p.exists()], debounce=50, step=20):
            names = sorted({Path(p).name for _, p in changes})
            echo(f"changed: {', '.join(names[:5])}{' …' if len(names) > 5 else ''} → rebuilding")
            try:
                rebuild()
                counter.bump()
            except Exception as exc:  # keep serving the last good site
                echo(f"build failed, still serving the previous site: {exc}")
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
