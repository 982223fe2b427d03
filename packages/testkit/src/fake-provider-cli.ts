/**
 * `npm run fake-provider`: the tests' fake OpenAI-compatible provider as a standalone server, to try
 * the gateway without a provider account. Port from FAKE_PROVIDER_PORT (default 9999); no API key
 * required unless FAKE_PROVIDER_KEY is set; FAKE_PROVIDER_LATENCY_MS adds a delay to every answer.
 */
import { startFakeOpenAi } from './fake-openai.ts';

const port = Number(process.env.FAKE_PROVIDER_PORT ?? 9999);
const latencyMs = Number(process.env.FAKE_PROVIDER_LATENCY_MS ?? 0);
const fake = await startFakeOpenAi({
  port,
  latencyMs,
  ...(process.env.FAKE_PROVIDER_KEY ? { apiKey: process.env.FAKE_PROVIDER_KEY } : {}),
});
process.stdout.write(`Fake OpenAI-compatible provider on ${fake.url} (latency ${latencyMs} ms)\n`);
const stop = () => void fake.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
