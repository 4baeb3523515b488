"""Real `baocao run` processes in Telegram webhook mode, and a round-robin proxy before them.

The load tool and the fault tests start the bot as an IT officer would, configured only by
its environment and flags, against the fake Bot API (tests/support/fake_telegram.py). The
proxy stands for nginx or Caddy: it spreads the webhook POSTs over the instances in turn and,
like `proxy_next_upstream error`, tries the next one when an instance cannot be reached.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from tests.support.ports import free_port

# The byte no write may reach once the disk is "full" (SQLite's first page).
FULL_AT = 4096

SECRET = "load-secret"
WEBHOOK_PATH = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
START_TIMEOUT = 60.0


@dataclass
class Instance:
    """One `baocao run` process: its webhook port, process and log."""

    number: int
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    peak_rss_mb: float = 0.0
    cpu_seconds: float = 0.0
    cpu_at_start: float = 0.0  # after start-up, when the run begins

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{WEBHOOK_PATH}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def sample_rss(self) -> None:
        """Keeps the process's peak resident memory (VmHWM) and CPU time while it runs."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
            stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        except OSError:
            return
        ticks = stat.rsplit(")", 1)[1].split()[11:13]  # utime, stime
        self.cpu_seconds = sum(int(n) for n in ticks) / os.sysconf("SC_CLK_TCK")
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                self.peak_rss_mb = max(self.peak_rss_mb, int(line.split()[1]) / 1024)

    def kill(self) -> None:
        """SIGKILL: no shutdown, nothing finished."""
        self.sample_rss()
        if self.alive():
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it, then SIGKILL if it lingers."""
        self.sample_rss()
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@dataclass
class Instances:
    """The running instances; `start` adds one, `stop_all` ends them."""

    folder: Path
    token: str
    api_base_url: str
    database_url: str
    extra_env: dict[str, str] = field(default_factory=dict)
    # Instances whose files may be stopped from growing mid-run (`fill_disk`).
    disk_can_fill: bool = False
    running: list[Instance] = field(default_factory=list)

    @staticmethod
    def _ignore_file_size_signal() -> None:
        """In the child before exec: a write past RLIMIT_FSIZE fails (EFBIG), no signal."""
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # stays ignored across exec

    def fill_disk(self, instance: Instance) -> None:
        """From now on the instance cannot write past the first page of any file
        (RLIMIT_FSIZE), as if the disk were full.

        Not the files' current sizes: SQLite reuses its write-ahead log from the start after
        a checkpoint, so writes under the log's old size would still succeed.
        """
        resource.prlimit(instance.process.pid, resource.RLIMIT_FSIZE, (FULL_AT, FULL_AT))

    def start(self) -> Instance:
        """Starts one more `baocao run --webhook-url …` on a free loopback port."""
        number = len(self.running) + 1
        port = free_port()
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "BAOCAO_", "DATABASE_URL", "LOG_"))
        }
        env.update(
            {
                "TELEGRAM_BOT_TOKEN": self.token,
                "TELEGRAM_API_BASE_URL": self.api_base_url,
                "DATABASE_URL": self.database_url,
                "BAOCAO_DATA_DIR": str(self.folder / "data"),
                # The sweep is measured on its own (bench/province.py).
                "BAOCAO_REMINDER_SWEEP_SECONDS": "0",
                "BAOCAO_WEB_LISTEN": f"127.0.0.1:{free_port()}",
                "LOG_LEVEL": "WARNING",
                **self.extra_env,
            }
        )
        log = self.folder / f"instance-{number}.log"
        baocao = Path(sys.executable).with_name("baocao")
        with log.open("wb") as out:
            # cwd: a folder of its own, so a developer's .env cannot leak in.
            process = subprocess.Popen(
                [
                    str(baocao),
                    "run",
                    "--webhook-url",
                    f"http://127.0.0.1:{port}/{WEBHOOK_PATH}",
                    "--listen",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--secret-token",
                    SECRET,
                ],
                cwd=self.folder,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=self._ignore_file_size_signal if self.disk_can_fill else None,
            )
        instance = Instance(number, port, process, log)
        self.running.append(instance)
        return instance

    async def wait_ready(self, instance: Instance) -> None:
        """Waits until the instance answers on its webhook port (it registered its webhook)."""
        deadline = time.monotonic() + START_TIMEOUT
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline:
                if not instance.alive():
                    raise RuntimeError(f"instance {instance.number} died:\n{instance.output()}")
                try:
                    await client.get(f"http://127.0.0.1:{instance.port}/")
                    return
                except httpx.TransportError:
                    await asyncio.sleep(0.2)
        raise RuntimeError(f"instance {instance.number} did not start:\n{instance.output()}")

    def sample_rss(self) -> None:
        for instance in self.running:
            instance.sample_rss()

    def mark_start(self) -> None:
        """Notes each instance's CPU time so far (start-up), to leave it out of the run's."""
        for instance in self.running:
            instance.sample_rss()
            instance.cpu_at_start = instance.cpu_seconds

    def stop_all(self) -> None:
        for instance in self.running:
            instance.stop()


class Proxy:
    """A round-robin reverse proxy in the harness that skips an instance it cannot reach.

    The simulated Telegram hands it each update in-process (the harness shares two cores
    with the instances, and a second HTTP hop would cost it as much CPU as the bot); it
    POSTs the update to the instances over HTTP, one after the other.
    """

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self._turn = itertools.count()
        # A new loopback connection per POST: cheaper here than a pool of a thousand.
        self.client = AsyncHTTPClient(force_instance=True, max_clients=256)
        self.failovers = 0

    async def forward(self, body: bytes, headers: dict[str, str]) -> int:
        """POSTs to the next instance (the one after when it cannot be reached); the status."""
        first = next(self._turn)
        for attempt in range(len(self.backends)):
            backend = self.backends[(first + attempt) % len(self.backends)]
            request = HTTPRequest(
                backend, method="POST", body=body, headers=headers, request_timeout=30
            )
            try:
                response = await self.client.fetch(request, raise_error=False)
            except (OSError, HTTPClientError):
                self.failovers += 1
                continue
            if response.code == 599:  # no answer at all: the instance is gone
                self.failovers += 1
                continue
            return response.code
        return 502

    def close(self) -> None:
        self.client.close()
