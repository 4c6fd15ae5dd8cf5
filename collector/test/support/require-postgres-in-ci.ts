// Without TEST_DATABASE_URL every PostgreSQL variant of the store tests registers nothing, so a CI
// run with a missing or unreachable server would pass having tested only the embedded store. Under
// CI that is a failure of the run, reported before any test starts.
import pg from 'pg';

export default async function requirePostgresInCi(): Promise<void> {
  if (!process.env.CI || process.env.CI === 'false') return;
  // The cluster-mode tests register nothing without their broker and Redis either.
  for (const name of ['TEST_AMQP_URL', 'TEST_REDIS_URL']) {
    if (!process.env[name])
      throw new Error(`CI is set but ${name} is not: the cluster-mode tests would not run`);
  }
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error('CI is set but TEST_DATABASE_URL is not: the PostgreSQL store tests would not run');
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `CI is set but PostgreSQL at TEST_DATABASE_URL is unreachable: ${(error as Error).message}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
