// A retry loop written around the OpenAI SDK, which already retries (the mistake), or the SDK alone (correct).
import OpenAI from 'openai';
const client = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: 'sk-test-secret-key-1234' });
let calls = 0;
let failures = 0;
const embed = (i) => { calls++; return client.embeddings.create({ model: 'm', input: `hello ${i}` }); };
for (let i = 0; i < 2; i++) {
  if (process.argv[2] === 'mistake') {
    for (let attempt = 0; attempt < 3; attempt++) {
      try { await embed(i); break; } catch { failures++; }
    }
  } else {
    try { await embed(i); } catch { failures++; }
  }
}
console.log(JSON.stringify({ calls, failures }));
