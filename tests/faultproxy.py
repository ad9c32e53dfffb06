"""A loopback TCP proxy that can delay or stall the traffic it forwards (fault tests).

It runs its own event loop in a daemon thread, so a test's loop (and the code under
test) sees it as a remote service would be: ``delay_s`` holds every chunk that long;
``stall`` accepts connections and reads requests but forwards nothing until cleared;
``requests`` counts the HTTP requests that came in (a chunk that begins one).
"""

from __future__ import annotations

import asyncio
import threading

from azurite import free_port

_METHODS = {b"GET", b"POST", b"PUT", b"PATCH", b"DELETE", b"MERGE", b"HEAD"}


class FaultProxy:
    """``FaultProxy(target_port)``; ``port`` is where to connect instead."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.delay_s = 0.0
        self.stall = threading.Event()  # set: forward nothing
        self.connections = 0
        self.requests = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.port)
        )
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(self._pipe(reader, up_writer, True), self._pipe(up_reader, writer),
                             return_exceptions=True)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, upstream: bool = False) -> None:
        try:
            while chunk := await reader.read(65536):
                if upstream and chunk[:8].split(b" ", 1)[0] in _METHODS:
                    self.requests += 1
                while self.stall.is_set():
                    await asyncio.sleep(0.02)
                if self.delay_s:
                    await asyncio.sleep(self.delay_s)
                writer.write(chunk)
                await writer.drain()
        finally:
            writer.close()

    async def _shutdown(self) -> None:
        self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def close(self) -> None:
        """Stop forwarding, end every connection and the thread (before the test ends:
        a thread left running while pytest compiles modules tripped CPython 3.11)."""
        self.stall.clear()
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()
