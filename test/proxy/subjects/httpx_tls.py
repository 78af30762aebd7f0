# httpx reaching the proxy over TLS: argv[1] is "h2" (http2=True) or "h1", argv[2] the CA file to verify
# with ("-": the system's roots, which do not know the proxy's CA). Prints the HTTP versions and statuses seen.
import json, os, sys, httpx
base = os.environ["OPENAI_BASE_URL"]
verify = True if sys.argv[2] == "-" else sys.argv[2]
try:
    with httpx.Client(base_url=base, http2=sys.argv[1] == "h2", verify=verify) as client:
        answers = [client.get("/health") for _ in range(3)]
    print(json.dumps({"versions": [a.http_version for a in answers], "statuses": [a.status_code for a in answers]}))
except httpx.ConnectError as e:
    print(json.dumps({"error": str(e)}))
