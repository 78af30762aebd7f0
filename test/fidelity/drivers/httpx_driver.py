"""Differential driver: the real httpx (sync Client, one thread per request) against the tailgate mock.

usage: python3 httpx_driver.py SPEC_JSON  -> one JSON line of outcomes (see ../README.md).
SPEC: {"url", "waves": [n, ...], "gapMs", "settings": tailgate ClientConfig overrides}. The settings are
mapped to httpx the way a user would write them: pool.connections -> Limits(max_connections),
timeouts.{connect,read,write,pool} -> Timeout(...) over httpx's 5 s defaults.
"""
import concurrent.futures as cf
import json
import os
import sys
import threading
import time

import httpx

BODY = {"input": "hello", "model": "m"}


def classify(exc):
    if isinstance(exc, httpx.PoolTimeout):
        return "pool_timeout"
    if isinstance(exc, httpx.ConnectTimeout):
        return "connect_timeout"
    if isinstance(exc, httpx.ReadTimeout):
        return "read_timeout"
    if isinstance(exc, httpx.WriteTimeout):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        return "connect_error"
    if isinstance(exc, (httpx.ReadError, httpx.WriteError)):
        return "reset"
    if isinstance(exc, httpx.RemoteProtocolError):
        # before any response byte: the connection was closed under the request; after: the body was cut
        return "reset" if "without sending a response" in str(exc) else "body_error"
    return "other"


def main():
    spec = json.loads(sys.argv[1])
    settings = spec.get("settings", {})
    pool, t = settings.get("pool", {}), settings.get("timeouts", {})
    sec = lambda k: t[k] / 1000 if t.get(k) is not None else (None if k in t else 5.0)
    limits = httpx.Limits(max_connections=pool.get("connections"), keepalive_expiry=(pool["keepAliveMs"] / 1000 if "keepAliveMs" in pool else 5.0))
    timeout = httpx.Timeout(connect=sec("connect"), read=sec("read"), write=sec("write"), pool=sec("pool"))
    out = {"client": "httpx", "version": httpx.__version__, "succeeded": 0, "classes": {}, "exceptions": {}}
    lock = threading.Lock()
    t0 = time.monotonic()

    def bump(d, k):
        d[k] = d.get(k, 0) + 1

    def one(_):
        try:
            r = client.post("/v1/embeddings", json=BODY)
            r.read()
            with lock:
                if r.status_code < 400:
                    out["succeeded"] += 1
                else:
                    bump(out["classes"], "http_%d" % r.status_code)
        except Exception as exc:  # noqa: BLE001 - every failure is an outcome
            with lock:
                bump(out["classes"], classify(exc))
                bump(out["exceptions"], "%s: %s" % (type(exc).__name__, str(exc)[:60]))

    threading.Timer(60, lambda: (print(json.dumps({**out, "watchdog": True}), flush=True), os._exit(2))).start()
    with httpx.Client(base_url=spec["url"], limits=limits, timeout=timeout) as client:
        for i, n in enumerate(spec["waves"]):
            if i:
                time.sleep(spec.get("gapMs", 0) / 1000)
            with cf.ThreadPoolExecutor(n) as ex:
                list(ex.map(one, range(n)))
    out["elapsedMs"] = round((time.monotonic() - t0) * 1000)
    print(json.dumps(out), flush=True)
    os._exit(0)  # do not wait for the watchdog thread


if __name__ == "__main__":
    main()
