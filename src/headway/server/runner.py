"""``serve``: run the app with uvicorn in this process (used by ``headway server``)."""

from __future__ import annotations

import threading
import time
import webbrowser

import uvicorn

from headway.backend.base import BaseBackend
from headway.server.app import create_app
from headway.settings import Settings


def serve(
    settings: Settings,
    backend: BaseBackend,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    open_browser: bool = False,
) -> None:
    """Serve until interrupted. One process, no reload: the backend is shared state."""
    config = uvicorn.Config(
        create_app(settings, backend),
        host=host,
        port=port,
        workers=1,
        reload=False,
        log_level="info",
        server_header=False,
    )
    server = uvicorn.Server(config)
    backend.start_background()
    threading.Thread(
        target=_announce, args=(server, host, open_browser), daemon=True, name="headway-announce"
    ).start()
    server.run()


def _announce(server: uvicorn.Server, host: str, open_browser: bool) -> None:
    # Wait for the socket so the printed port is the real one (port 0 picks a free one).
    while not server.started:
        if server.should_exit:
            return
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    url = f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"
    print(f"Headway server running at {url} (API docs: {url}/docs)", flush=True)
    if open_browser:
        webbrowser.open(url)
