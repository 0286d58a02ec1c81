"""Hand a server process started early (by the CLI) to a `StdioTransport`.

`mcpclient tools server.py` spends most of its time in two start-ups: importing the client
(the mcp SDK) and the server starting (its own interpreter and imports). The CLI starts the
server with `subprocess.Popen` *before* importing the client, so both run at once, then lets
the transport adopt that process for its first connection instead of spawning one. From
there on the transport treats it as its own: same pipes, same shutdown (close stdin, wait,
terminate the process group), same stderr capture.

The process is adopted only if it was started exactly as the transport would have started
it (command line, environment, working directory); otherwise the caller discards it.
"""

from __future__ import annotations

import asyncio
import subprocess
from typing import Any

import anyio
import anyio.lowlevel
from anyio.abc import ByteReceiveStream, ByteSendStream, Process

__all__ = ["AdoptedProcess", "adopt_on_first_spawn"]

_POLL_INTERVAL = 0.01


class _PipeReceiveStream(ByteReceiveStream):
    def __init__(self, reader: asyncio.StreamReader, transport: asyncio.BaseTransport) -> None:
        self._reader = reader
        self._transport = transport

    async def receive(self, max_bytes: int = 65536) -> bytes:
        data = await self._reader.read(max_bytes)
        if not data:
            raise anyio.EndOfStream
        return data

    async def aclose(self) -> None:
        self._reader.set_exception(anyio.ClosedResourceError())
        self._transport.close()
        await anyio.lowlevel.checkpoint()


class _PipeSendStream(ByteSendStream):
    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._stream = writer  # the name anyio uses: the stdio transport writes to it directly
        self._closed = False

    async def send(self, item: bytes) -> None:
        if self._closed:
            raise anyio.ClosedResourceError
        try:
            self._stream.write(item)
            await self._stream.drain()
        except (ConnectionResetError, BrokenPipeError, RuntimeError) as exc:
            raise anyio.BrokenResourceError from exc

    async def aclose(self) -> None:
        self._closed = True
        self._stream.close()
        await anyio.lowlevel.checkpoint()


class AdoptedProcess(Process):
    """An anyio `Process` over a `subprocess.Popen` started outside the event loop."""

    def __init__(
        self,
        popen: subprocess.Popen[bytes],
        stdin: _PipeSendStream,
        stdout: _PipeReceiveStream,
        stderr: _PipeReceiveStream,
    ) -> None:
        self._popen = popen
        self._stdin = stdin
        self._stdout = stdout
        self._stderr = stderr

    async def aclose(self) -> None:
        for stream in (self._stdin, self._stdout, self._stderr):
            await stream.aclose()
        await self.wait()

    async def wait(self) -> int:
        # Polled (as the SDK's fallback process does): a thread blocked in Popen.wait() cannot be cancelled.
        while (code := self._popen.poll()) is None:
            await anyio.sleep(_POLL_INTERVAL)
        return code

    def terminate(self) -> None:
        self._popen.terminate()

    def kill(self) -> None:
        self._popen.kill()

    def send_signal(self, signal: int) -> None:
        self._popen.send_signal(signal)

    @property
    def pid(self) -> int:
        return self._popen.pid

    @property
    def returncode(self) -> int | None:
        return self._popen.poll()

    @property
    def stdin(self) -> ByteSendStream:
        return self._stdin

    @property
    def stdout(self) -> ByteReceiveStream:
        return self._stdout

    @property
    def stderr(self) -> ByteReceiveStream:
        return self._stderr


async def _adopt(popen: subprocess.Popen[bytes]) -> AdoptedProcess:
    """Connect the pipes of `popen` to the running event loop."""
    assert popen.stdin is not None and popen.stdout is not None and popen.stderr is not None
    loop = asyncio.get_running_loop()

    async def reader(pipe: Any) -> _PipeReceiveStream:
        stream = asyncio.StreamReader(loop=loop)
        transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream, loop=loop), pipe)
        return _PipeReceiveStream(stream, transport)

    stdout = await reader(popen.stdout)
    stderr = await reader(popen.stderr)
    write_transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, popen.stdin)
    stdin = _PipeSendStream(asyncio.StreamWriter(write_transport, protocol, None, loop))
    return AdoptedProcess(popen, stdin, stdout, stderr)


def adopt_on_first_spawn(transport: Any, popen: subprocess.Popen[bytes], on_adopt: Any) -> bool:
    """Make `transport`'s next spawn adopt `popen`; later connections spawn as usual.

    Returns False (and changes nothing) when the transport does not spawn through `_spawn`.
    `on_adopt()` is called once the transport has taken the process.
    """
    if not callable(getattr(type(transport), "_spawn", None)):
        return False

    async def spawn() -> AdoptedProcess:
        del transport._spawn  # the instance attribute: reconnections use the class's own spawn
        process = await _adopt(popen)
        on_adopt()
        return process

    transport._spawn = spawn
    return True
