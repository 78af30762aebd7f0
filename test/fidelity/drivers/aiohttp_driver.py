"""Differential driver: the real aiohttp (one ClientSession) against the tailgate mock.

usage: python3 aiohttp_driver.py SPEC_JSON  -> one JSON line of outcomes (see ../README.md).
The settings map as a user would write them: pool.connections -> TCPConnector(limit), pool.keepAliveMs ->
keepalive_timeout, timeouts.acquire -> ClientTimeout(connect), connect -> sock_connect, read -> sock_read,
total -> total; with no timeouts given, the session's default ClientTimeout(total=300).
"""
import asyncio
import json
import sys
import time

import aiohttp

BODY = {"input": "hello", "model": "m"}


def classify(exc):
    if isinstance(exc, aiohttp.ServerTimeoutError):
        # one class for both timers; the message says which fired
        return "connect_timeout" if str(exc).startswith("Connection timeout") else "read_timeout"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "body_error"
    if isinstance(exc, asyncio.TimeoutError):
        return "total_timeout"
    if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)) and not isinstance(exc, aiohttp.ClientConnectorError):
        return "reset"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "connect_error"
    return "other"


async def run(spec):
    settings = spec.get("settings", {})
    pool, t = settings.get("pool", {}), settings.get("timeouts", {})
    sec = lambda k: t[k] / 1000 if t.get(k) is not None else None
    connector = aiohttp.TCPConnector(limit=pool.get("connections") or 0, keepalive_timeout=pool.get("keepAliveMs", 15000) / 1000)
    timeout = aiohttp.ClientTimeout(total=sec("total"), connect=sec("acquire"), sock_connect=sec("connect"), sock_read=sec("read")) if t else None
    out = {"client": "aiohttp", "version": aiohttp.__version__, "succeeded": 0, "classes": {}, "exceptions": {}}
    t0 = time.monotonic()

    def bump(d, k):
        d[k] = d.get(k, 0) + 1

    async def one(session):
        try:
            async with session.post(spec["url"] + "/v1/embeddings", json=BODY) as r:
                await r.read()
                if r.status < 400:
                    out["succeeded"] += 1
                else:
                    bump(out["classes"], "http_%d" % r.status)
        except Exception as exc:  # noqa: BLE001 - every failure is an outcome
            bump(out["classes"], classify(exc))
            bump(out["exceptions"], "%s: %s" % (type(exc).__name__, str(exc)[:60]))

    kwargs = {"connector": connector, **({"timeout": timeout} if timeout else {})}
    async with aiohttp.ClientSession(**kwargs) as session:
        for i, n in enumerate(spec["waves"]):
            if i:
                await asyncio.sleep(spec.get("gapMs", 0) / 1000)
            await asyncio.gather(*(one(session) for _ in range(n)))
    out["elapsedMs"] = round((time.monotonic() - t0) * 1000)
    return out


def main():
    spec = json.loads(sys.argv[1])
    try:
        out = asyncio.run(asyncio.wait_for(run(spec), 60))
    except asyncio.TimeoutError:
        out = {"client": "aiohttp", "watchdog": True}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
