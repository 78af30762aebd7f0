"""Differential driver: the real aiohttp (one ClientSession) against the tailgate mock.

usage: python3 aiohttp_driver.py SPEC_JSON  -> one JSON line of outcomes (see run.ts, Spec).
The settings map as a user would write them: pool.connections -> TCPConnector(limit), pool.keepAliveMs ->
keepalive_timeout, timeouts.acquire -> ClientTimeout(connect), connect -> sock_connect, read -> sock_read,
total -> total; with no timeouts given, the session's default ClientTimeout(total=300);
behavior.maxRedirects N -> max_redirects=N+1 on the request (aiohttp fails on the max_redirects-th
redirect response), 0 -> allow_redirects=False. native.connector: other TCPConnector arguments
(limit_per_host, force_close). A closed loop is `workers` tasks over `requests` calls.
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
    return "other"  # TooManyRedirects among them


async def run(spec):
    settings, native = spec.get("settings", {}), spec.get("native", {})
    pool, t = settings.get("pool", {}), settings.get("timeouts", {})
    sec = lambda k: t[k] / 1000 if t.get(k) is not None else None
    extra = native.get("connector", {})
    # force_close=True is keep-alive 0 in tailgate; aiohttp refuses a keepalive_timeout beside it.
    keepalive = {} if "keepAliveMs" not in pool or extra.get("force_close") else {"keepalive_timeout": pool["keepAliveMs"] / 1000}
    connector = aiohttp.TCPConnector(**{"limit": pool.get("connections", 100) or 0, **keepalive, **extra})
    redirects = settings.get("behavior", {}).get("maxRedirects")
    per_request = {} if redirects is None else {"allow_redirects": False} if redirects == 0 else {"max_redirects": redirects + 1}
    body = None if spec["method"] == "GET" else BODY
    timeout = aiohttp.ClientTimeout(total=sec("total"), connect=sec("acquire"), sock_connect=sec("connect"), sock_read=sec("read")) if t else None
    out = {"client": "aiohttp", "version": aiohttp.__version__, "succeeded": 0, "classes": {}, "exceptions": {}}
    t0 = time.monotonic()

    def bump(d, k):
        d[k] = d.get(k, 0) + 1

    async def one(session):
        try:
            async with session.request(spec["method"], spec["url"] + spec["path"], json=body, **per_request) as r:
                await r.read()
                if r.status < 300:
                    out["succeeded"] += 1
                else:
                    bump(out["classes"], "http_%d" % r.status)
        except Exception as exc:  # noqa: BLE001 - every failure is an outcome
            bump(out["classes"], classify(exc))
            bump(out["exceptions"], "%s: %s" % (type(exc).__name__, str(exc)[:60]))

    kwargs = {"connector": connector, **({"timeout": timeout} if timeout else {})}
    async with aiohttp.ClientSession(**kwargs) as session:
        loop = spec.get("closedLoop")
        if loop:
            left = [loop["requests"]]

            async def user():
                while left[0] > 0:
                    left[0] -= 1
                    await one(session)

            await asyncio.gather(*(user() for _ in range(loop["workers"])))
        for i, n in enumerate(spec["waves"]):
            if i:
                await asyncio.sleep(spec.get("gapMs", 0) / 1000)
            await asyncio.gather(*(one(session) for _ in range(n)))
        await asyncio.sleep(0.1)  # as the Node drivers: let what follows the last request land
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
