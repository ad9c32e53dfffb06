"""A local HTTP server serving recorded provider responses, counting requests.

Routes map a path (without query) to a handler ``(query, headers) -> (status, headers,
body)``; ``body`` bytes are sent as is (so truncated JSON can be served), ``"RESET"``
closes the socket unanswered, ``"HANG"`` answers after ``hang_s``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Handler = Callable[[dict[str, list[str]], dict[str, str]], tuple[int, dict[str, str], Any]]


class ProviderServer:
    def __init__(self, latency_s: float = 0.0) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []  # (path?query, headers)
        self.latency_s = latency_s
        self.hang_s = 3.0
        server = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.requests.append((self.path, headers))
                if server.latency_s:
                    time.sleep(server.latency_s)
                parts = urlsplit(self.path)
                handler = server.routes.get(parts.path)
                status, extra, body = (404, {}, b'{"message":"not found"}') if handler is None else handler(
                    parse_qs(parts.query), headers)
                if body == "RESET":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if body == "HANG":
                    time.sleep(server.hang_s)
                    body = b"{}"
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}"

    def json(self, path: str, body: Any, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.routes[path] = lambda q, h: (status, headers or {}, body)

    def __enter__(self) -> "ProviderServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
