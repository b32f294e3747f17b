"""The job queue: arq on Redis when REDIS_URL is set, otherwise the same job functions in-process.

Either way the database holds the real schedule (due messages, pending work); the queue only carries
"look at row N now". Job ids are deterministic, so enqueueing twice runs once.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import msgpack
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.worker import Function

log = logging.getLogger("mobilize.queue")

JobFunction = Callable[..., Awaitable[Any]]
JOBS_MODULE = "workers.main"  # the composition root names the jobs; mobilize does not import workers


def redis_settings(url: str) -> RedisSettings:
    return RedisSettings.from_dsn(url)


def serialize(obj: Any) -> bytes:
    """msgpack instead of arq's default pickle: job arguments are ids and plain values only."""
    return msgpack.packb(obj, datetime=True)  # type: ignore[no-any-return]


def deserialize(data: bytes) -> Any:
    return msgpack.unpackb(data, timestamp=3)


async def connect_pool(url: str) -> ArqRedis:
    return await create_pool(redis_settings(url), job_serializer=serialize, job_deserializer=deserialize)


class RedisQueue:
    def __init__(self, pool: ArqRedis) -> None:
        self.pool = pool

    @classmethod
    async def connect(cls, url: str) -> RedisQueue:
        return cls(await connect_pool(url))

    async def enqueue(
        self, function: str, *args: Any, job_id: str | None = None, defer_by: float | None = None
    ) -> None:
        await self.pool.enqueue_job(function, *args, _job_id=job_id, _defer_by=defer_by)

    async def health(self) -> str:
        try:
            await self.pool.ping()
        except Exception:  # noqa: BLE001 - report, do not crash the health check
            return "unavailable"
        return "ok"

    async def close(self) -> None:
        await self.pool.aclose()


def _named(function: JobFunction | Function) -> tuple[str, JobFunction]:
    """(name, coroutine function) of a WorkerSettings entry, bare or wrapped in arq's `func` (for max_tries)."""
    if isinstance(function, Function):
        return function.name, function.coroutine
    return function.__name__, function


class InProcessQueue:
    """Runs jobs as asyncio tasks in the web process (`make run`), with the worker's cron sweeps.

    A job id already running is not started twice. Losing the process loses nothing: pending work is
    in the database and the next sweep finds it.
    """

    def __init__(self, functions: dict[str, JobFunction], cron: list[tuple[JobFunction, float]]) -> None:
        self.functions = functions
        self.cron = cron
        self.ctx: dict[str, Any] = {}
        self._running: dict[str, asyncio.Task[Any]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stopping = asyncio.Event()

    @classmethod
    def from_module(cls, module_name: str = JOBS_MODULE, settings: Any = None) -> InProcessQueue:
        module = importlib.import_module(module_name)
        worker = module.WorkerSettings
        functions = dict(_named(f) for f in worker.functions)
        cron = list(getattr(module, "IN_PROCESS_CRON", []))
        every = getattr(settings, "outbox_sweep_seconds", None)
        if every is not None:  # the settings pace the outbox sweep (0 turns every periodic job off)
            paced: frozenset[str] = getattr(module, "PACED_BY_SWEEP_SETTING", frozenset())
            cron = [(job, every if job.__name__ in paced else own) for job, own in cron] if every > 0 else []
        queue = cls(functions, cron)
        queue.ctx["settings"] = settings
        queue.startup = getattr(worker, "on_startup", None)  # type: ignore[attr-defined]
        queue.shutdown = getattr(worker, "on_shutdown", None)  # type: ignore[attr-defined]
        return queue

    async def start(self) -> None:
        self.ctx["queue"] = self
        self.ctx["db_ready"] = True  # the web app opened the database already
        if getattr(self, "startup", None):
            await self.startup(self.ctx)  # type: ignore[attr-defined]
        for function, every in self.cron:
            self._spawn(self._every(function, every))

    def _spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _every(self, function: JobFunction, seconds: float) -> None:
        while not self._stopping.is_set():
            try:
                await function(self.ctx)
            except Exception:  # noqa: BLE001 - a failed sweep is retried at the next tick
                log.exception("periodic job %s failed", function.__name__)
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
            except TimeoutError:
                pass

    async def enqueue(
        self, function: str, *args: Any, job_id: str | None = None, defer_by: float | None = None
    ) -> None:
        if function not in self.functions:
            raise KeyError(f"no job named {function}")
        key = job_id or f"{function}:{id(args)}"
        if key in self._running and not self._running[key].done():
            return

        async def run() -> None:
            if defer_by:
                await asyncio.sleep(defer_by)
            try:
                await self.functions[function](self.ctx, *args)
            except Exception:  # noqa: BLE001 - logged; the database keeps the work for the next sweep
                log.exception("job %s%r failed", function, args)
            finally:
                self._running.pop(key, None)

        self._running[key] = self._spawn(run())

    async def health(self) -> str:
        return "in-process"

    async def drain(self) -> None:
        """Wait for the jobs started so far (tests use this)."""
        while self._running:
            await asyncio.gather(*list(self._running.values()), return_exceptions=True)

    async def close(self) -> None:
        self._stopping.set()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if getattr(self, "shutdown", None):
            await self.shutdown(self.ctx)  # type: ignore[attr-defined]


async def open_queue(settings: Any) -> RedisQueue | InProcessQueue:
    if settings.redis_url:
        return await RedisQueue.connect(settings.redis_url)
    queue = InProcessQueue.from_module(settings=settings)
    await queue.start()
    return queue
