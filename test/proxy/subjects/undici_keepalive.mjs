// Keep-alive 30 s (the mistake) or 1 s (correct) behind an upstream that drops connections idle 2 s.
import { Agent, fetch } from 'undici';
const agent = new Agent({ keepAliveTimeout: process.argv[2] === 'mistake' ? 30_000 : 1_000 });
const outcomes = [];
const post = async (i) => {
  try {
    const r = await fetch(`${process.env.OPENAI_BASE_URL}/v1/embeddings`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: `text ${i}` }) });
    await r.text();
    outcomes.push(r.status);
  } catch (err) {
    outcomes.push(err.cause?.code ?? err.code ?? err.name);
  }
};
await post(0);
await new Promise((r) => setTimeout(r, 500));
await post(1);
await new Promise((r) => setTimeout(r, 2_600));
await post(2);
await agent.close();
console.log(JSON.stringify({ outcomes }));
