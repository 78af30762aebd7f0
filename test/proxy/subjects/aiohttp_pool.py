# 32 concurrent requests through a pool of 4 connections (the mistake) or of 32 (correct).
import asyncio, json, os, sys, aiohttp
async def main():
    limit = 4 if sys.argv[1] == "mistake" else 32
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit)) as s:
        async def one(i):
            async with s.post(os.environ["OPENAI_BASE_URL"] + "/v1/embeddings", json={"input": f"text {i}"}) as r:
                await r.read()
                return r.status
        statuses = await asyncio.gather(*(one(i) for i in range(32)))
    print(json.dumps({"statuses": statuses}))
asyncio.run(main())
