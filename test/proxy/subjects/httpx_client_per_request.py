# A client built for each request (the mistake) or one shared client (correct). Prints the statuses seen.
import json, os, sys, httpx
base = os.environ["OPENAI_BASE_URL"]
statuses = []
if sys.argv[1] == "mistake":
    for i in range(8):
        statuses.append(httpx.post(base + "/v1/embeddings", json={"input": f"text {i}"}).status_code)
else:
    with httpx.Client(base_url=base) as client:
        for i in range(8):
            statuses.append(client.post("/v1/embeddings", json={"input": f"text {i}"}).status_code)
print(json.dumps({"statuses": statuses}))
