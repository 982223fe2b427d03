/**
 * Vitest global setup: makes sure tests have real Postgres, Redis and NATS.
 * - CI and this machine: DATABASE_URL, REDIS_URL and NATS_URL are set and used as they are.
 * - A laptop with Docker and none of them set: starts them with testcontainers, exports the URLs.
 * Workers are spawned after this runs, so they inherit the variables.
 */
import type { StartedTestContainer } from 'testcontainers';

const started: StartedTestContainer[] = [];

export async function setup(): Promise<void> {
  const missing = ['DATABASE_URL', 'REDIS_URL', 'NATS_URL'].filter((name) => !process.env[name]);
  if (missing.length === 0) return;
  const { GenericContainer, Wait } = await import('testcontainers');
  try {
    if (!process.env.DATABASE_URL) {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const postgres = await new PostgreSqlContainer('postgres:16-alpine').start();
      started.push(postgres);
      process.env.DATABASE_URL = postgres.getConnectionUri();
    }
    if (!process.env.REDIS_URL) {
      const redis = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
      started.push(redis);
      process.env.REDIS_URL = `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`;
    }
    if (!process.env.NATS_URL) {
      const nats = await new GenericContainer('nats:2.11-alpine')
        .withCommand(['-js'])
        .withExposedPorts(4222)
        .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
        .start();
      started.push(nats);
      process.env.NATS_URL = `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`;
    }
  } catch (error) {
    throw new Error(
      `Tests need Postgres, Redis and NATS: set ${missing.join(', ')} or run Docker so testcontainers can start them. ` +
        `(${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

export async function teardown(): Promise<void> {
  await Promise.all(started.map((container) => container.stop()));
}
