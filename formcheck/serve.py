"""The live view as a small web page on 127.0.0.1, for a machine without a display.

``/`` is the page, ``/stream.mjpg`` the annotated frames as MJPEG (an ``<img>`` plays it in
every browser, with no script and no codec), ``/state.json`` the counters (reps, phase, last
verdict, frame rate, latency). By default only this machine can connect: the server listens on
the loopback address. ``host`` (``live --host``) is the explicit opt-in to watch from another
device, a tablet in the gym: the server then listens on that address, and a request must name
the server by an address (never by a name: :meth:`LiveServer.allows`). It is bounded: at most
``MAX_VIEWERS`` streams at once, each ends with the session, and the server stops with it.

Example:
    >>> from contextlib import closing
    >>> with closing(LiveServer(0)) as server:     # 0: any free port
    ...     server.url.startswith("http://127.0.0.1:")   # the live loop calls server.show()
    True
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import cv2
import numpy as np

from formcheck.errors import FormcheckError

if TYPE_CHECKING:
    from formcheck.live.session import LiveState
    from formcheck.live.views import Command

HOST = "127.0.0.1"
WILDCARD = "0.0.0.0"
"""The address that means every interface of this machine."""
MAX_VIEWERS = 8
"""Streams served at once; a ninth viewer is turned away rather than slowing the session."""
JPEG_QUALITY = 80
"""Plenty for a skeleton and text; a 640x480 frame is ~40 kB."""
WAIT_S = 1.0
"""How long a stream waits for the next frame before checking whether the session ended."""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>formcheck live</title>
<style>
body { margin: 0; background: #111; color: #eee; font: 16px system-ui, sans-serif; }
main { display: flex; flex-wrap: wrap; gap: 1em; padding: 1em; align-items: flex-start; }
img { max-width: 100%; max-height: 90vh; background: #000; }
dl { display: grid; grid-template-columns: auto auto; gap: .3em 1em; margin: 0; }
dt { color: #999; } dd { margin: 0; font-weight: 600; }
#cue { max-width: 24em; }
</style></head>
<body><main>
<img id="view" src="/stream.mjpg" alt="annotated live view">
<dl>
<dt>exercise</dt><dd id="exercise">-</dd>
<dt>reps</dt><dd id="reps">0</dd>
<dt>phase</dt><dd id="phase">-</dd>
<dt>last rep</dt><dd id="last">-</dd>
<dt>cue</dt><dd id="cue">-</dd>
<dt>speed</dt><dd id="speed">-</dd>
<dt>fps</dt><dd id="fps">-</dd>
<dt>latency</dt><dd id="latency">-</dd>
<dt>status</dt><dd id="status">live</dd>
</dl>
</main>
<script>
const show = (id, text) => { document.getElementById(id).textContent = text; };
async function poll() {
  try {
    const s = await (await fetch("/state.json", {cache: "no-store"})).json();
    show("exercise", s.exercise.replaceAll("_", " "));
    show("reps", s.reps);
    show("phase", s.phase || "-");
    const last = s.last;
    show("last", last ? `rep ${last.index}: ${last.outcome}` +
         (last.score === null ? "" : ` (${last.score})`) : "-");
    show("cue", last && last.cue ? last.cue : "-");
    show("speed", last && last.speed_m_s !== null ? `${last.speed_m_s.toFixed(2)} m/s` : "-");
    show("fps", s.fps);
    show("latency", `${s.latency_ms} ms`);
    show("status", s.finished ? "session ended" : "live");
    if (s.finished) return;
  } catch (e) { show("status", "waiting for the session"); }
  setTimeout(poll, 500);
}
poll();
</script></body></html>
"""


class LiveServer:
    """Serves the latest annotated frame and state to browsers on this machine.

    :meth:`show` only stores the frame; each viewer's thread encodes it (once per frame, shared
    by all viewers) and sends it, so a slow browser never holds up the live loop.
    """

    def __init__(self, port: int, *, host: str = HOST) -> None:
        host = check_host(host)
        self._cond = threading.Condition()
        self._scene: np.ndarray | None = None
        self._jpeg: tuple[bytes, int] | None = None
        """The latest frame encoded, with its number: encoded once for every viewer."""
        self._state: dict[str, Any] = {}
        self._seq = 0
        self._finished = False
        self._viewers = 0
        self.frames_sent = 0
        """Frames delivered to viewers, all streams together."""
        try:
            self._httpd = ThreadingHTTPServer((host, port), _handler(self))
        except OSError as exc:
            raise FormcheckError(
                f"cannot serve the live view on {host}:{port}: {exc.strerror or exc}"
            ) from None
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="formcheck-serve", daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        if host == WILDCARD:
            host = reachable_address()
        return f"http://{host}:{port}/"

    @property
    def local(self) -> bool:
        """Whether only this machine can connect (the server listens on a loopback address)."""
        return ipaddress.ip_address(self._httpd.server_address[0]).is_loopback

    def allows(self, host_header: str | None) -> bool:
        """Whether a request naming ``host_header`` is for this server as this machine knows it.

        Why: a web page elsewhere can point a name it owns at 127.0.0.1 (DNS rebinding) and
        then read the webcam feed from the user's own browser; such a request carries that
        page's name in its Host header, never 127.0.0.1 or localhost.

        Served on another address (``host``), a request may name the server by any address
        of this machine's (an IP literal: no page can rebind one) but still by no name other
        than ``localhost``.
        """
        if host_header is None:
            return True  # HTTP/1.0 clients; every browser sends Host
        host, port = self._httpd.server_address[:2]
        names = {str(host), "127.0.0.1", "localhost"}
        if host_header.lower() in names | {f"{name}:{port}" for name in names}:
            return True
        if host != WILDCARD:
            return False
        try:
            named = urlsplit(f"//{host_header}")
            ipaddress.IPv4Address(named.hostname or "")
            return named.port in (None, port)
        except ValueError:  # a name, or no valid port
            return False

    def show(self, scene: np.ndarray, state: LiveState, time_s: float) -> Command | None:
        with self._cond:
            self._scene, self._seq = scene, self._seq + 1
            self._state = state.as_json()
            self._cond.notify_all()
        return None

    def close(self) -> None:
        """End every stream, mark the state finished, and stop serving."""
        with self._cond:
            self._finished = True
            self._state = {**self._state, "finished": True}
            self._cond.notify_all()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def state(self) -> dict[str, Any]:
        with self._cond:
            return {**self._state, "frames_sent": self.frames_sent, "viewers": self._viewers}

    def next_frame(self, seen: int) -> tuple[bytes, int] | None:
        """The JPEG of the first frame after number ``seen``, waiting for it; None once the
        session has ended."""
        with self._cond:
            while self._seq <= seen and not self._finished:
                self._cond.wait(WAIT_S)
            if self._finished or self._scene is None:
                return None
            scene, seq, cached = self._scene, self._seq, self._jpeg
        if cached is not None and cached[1] == seq:
            return cached
        # Encoded outside the lock, so the live loop never waits for a JPEG.
        bgr = cv2.cvtColor(scene, cv2.COLOR_RGB2BGR)
        ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            return None
        with self._cond:
            self._jpeg = (encoded.tobytes(), seq)
        return self._jpeg

    def admit(self) -> bool:
        with self._cond:
            if self._viewers >= MAX_VIEWERS or self._finished:
                return False
            self._viewers += 1
            return True

    def leave(self) -> None:
        with self._cond:
            self._viewers -= 1

    def sent(self) -> None:
        with self._cond:
            self.frames_sent += 1


def _handler(server: LiveServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if not server.allows(self.headers.get("Host")):
                self.send_error(HTTPStatus.MISDIRECTED_REQUEST, "unknown host")
            elif path == "/":
                self._send(PAGE.encode(), "text/html; charset=utf-8")
            elif path == "/state.json":
                self._send(json.dumps(server.state()).encode(), "application/json")
            elif path == "/stream.mjpg":
                self._stream()
            else:
                self.send_error(HTTPStatus.NOT_FOUND)

        def _send(self, body: bytes, kind: str) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _stream(self) -> None:
            if not server.admit():
                self.send_error(HTTPStatus.SERVICE_UNAVAILABLE, "too many viewers")
                return
            try:
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                seen = 0
                while (frame := server.next_frame(seen)) is not None:
                    jpeg, seen = frame
                    self.wfile.write(
                        b"--frame\r\nContent-Type: image/jpeg\r\n"
                        + f"Content-Length: {len(jpeg)}\r\n\r\n".encode() + jpeg + b"\r\n"
                    )
                    self.wfile.flush()
                    server.sent()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the browser went away; nothing to clean up but the count
            finally:
                server.leave()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: request lines on stderr would bury the session's own messages."""

    return Handler


def check_host(host: str) -> str:
    """``host`` if it is an IPv4 address (the server listens on IPv4); a one-line error
    otherwise. Names are refused: which address a name means can change under the server."""
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        raise FormcheckError(
            f"--host takes an IPv4 address of this machine (e.g. 0.0.0.0 for all of them, or "
            f"192.168.1.20), not {host!r}"
        ) from None


def reachable_address() -> str:
    """This machine's address on its network, as another device would use it; the loopback
    address when it has none. No packet is sent: connecting a UDP socket only picks a route."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: routed like any outside address
            return str(probe.getsockname()[0])
        except OSError:
            return HOST
