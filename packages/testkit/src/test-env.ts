/** URLs of the real servers tests use (set by the global setup or the environment). */
export function testServiceUrls(): { databaseUrl: string; redisUrl: string; natsUrl: string } {
  const databaseUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  const natsUrl = process.env.NATS_URL;
  if (!databaseUrl || !redisUrl || !natsUrl) {
    throw new Error('DATABASE_URL, REDIS_URL and NATS_URL must be set (the vitest global setup does it)');
  }
  return { databaseUrl, redisUrl, natsUrl };
}

/** A name unique to this test run, for databases, NATS namespaces and Redis prefixes. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
