"""Differential driver: the real httpx (sync Client, one thread per request) against the case's server.

usage: python3 httpx_driver.py SPEC_JSON  -> one JSON line of outcomes (see run.ts, Spec).
The settings are mapped to httpx the way a user would write them: pool.connections, maxIdle, keepAliveMs ->
httpx.Limits(max_connections, max_keepalive_connections, keepalive_expiry); timeouts.{connect,read,write,pool}
-> httpx.Timeout(...) over httpx's 5 s defaults; retry.maxRetries -> transport=httpx.HTTPTransport(retries=N)
(the limits then go to the transport); httpVersion 2 -> http2=True (http1=False: prior knowledge over
http://); behavior.maxRedirects N -> follow_redirects=True, max_redirects=N. A closed loop is a thread
pool of `workers` threads over `requests` calls.
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
    if isinstance(exc, httpx.LocalProtocolError):
        # h2 refuses a stream over the server's SETTINGS_MAX_CONCURRENT_STREAMS, which httpcore 0.16 ignores
        return "protocol_error"
    if isinstance(exc, httpx.RemoteProtocolError) and "error_code:7" in str(exc):
        return "protocol_error"  # the server refused the stream (RST_STREAM REFUSED_STREAM)
    if isinstance(exc, httpx.RemoteProtocolError):
        # before any response byte: the connection was closed under the request; after: the body was cut
        return "reset" if "without sending a response" in str(exc) else "body_error"
    return "other"  # TooManyRedirects among them


def main():
    spec = json.loads(sys.argv[1])
    settings, native = spec.get("settings", {}), spec.get("native", {})
    pool, t = settings.get("pool", {}), settings.get("timeouts", {})
    sec = lambda k: t[k] / 1000 if t.get(k) is not None else (None if k in t else 5.0)
    limits = httpx.Limits(
        max_connections=pool.get("connections"),
        max_keepalive_connections=pool.get("maxIdle", 20),
        keepalive_expiry=(pool["keepAliveMs"] / 1000 if "keepAliveMs" in pool else 5.0),
    )
    timeout = httpx.Timeout(connect=sec("connect"), read=sec("read"), write=sec("write"), pool=sec("pool"))
    h2 = {"http1": False, "http2": True} if settings.get("httpVersion") == 2 else {}
    retries = settings.get("retry", {}).get("maxRetries")
    redirects = settings.get("behavior", {}).get("maxRedirects")
    kwargs = {"base_url": spec["url"], "timeout": timeout, **native}
    if retries:
        kwargs["transport"] = httpx.HTTPTransport(retries=retries, limits=limits, **h2)
    else:
        kwargs.update(limits=limits, **h2)
    if redirects:
        kwargs.update(follow_redirects=True, max_redirects=redirects)
    out = {"client": "httpx", "version": httpx.__version__, "succeeded": 0, "classes": {}, "exceptions": {}}
    lock = threading.Lock()
    t0 = time.monotonic()
    body = None if spec["method"] == "GET" else BODY

    def bump(d, k):
        d[k] = d.get(k, 0) + 1

    def one(_):
        try:
            r = client.request(spec["method"], spec["path"], json=body)
            r.read()
            with lock:
                if r.status_code < 300:
                    out["succeeded"] += 1
                else:
                    bump(out["classes"], "http_%d" % r.status_code)
        except Exception as exc:  # noqa: BLE001 - every failure is an outcome
            with lock:
                bump(out["classes"], classify(exc))
                bump(out["exceptions"], "%s: %s" % (type(exc).__name__, str(exc)[:60]))

    threading.Timer(60, lambda: (print(json.dumps({**out, "watchdog": True}), flush=True), os._exit(2))).start()
    with httpx.Client(**kwargs) as client:
        loop = spec.get("closedLoop")
        if loop:
            with cf.ThreadPoolExecutor(loop["workers"]) as ex:
                list(ex.map(one, range(loop["requests"])))
        for i, n in enumerate(spec["waves"]):
            if i:
                time.sleep(spec.get("gapMs", 0) / 1000)
            with cf.ThreadPoolExecutor(n) as ex:
                list(ex.map(one, range(n)))
        time.sleep(0.1)  # as the Node drivers: let what follows the last request land
    out["elapsedMs"] = round((time.monotonic() - t0) * 1000)
    print(json.dumps(out), flush=True)
    os._exit(0)  # do not wait for the watchdog thread


if __name__ == "__main__":
    main()
