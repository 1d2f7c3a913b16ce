/**
 * PostgreSQL for live sites: a pool whose connections all use the
 * configured schema, migrated with node-pg-migrate (SQL files in
 * migrations/) when the service starts.
 */
import pg from "pg";
import { runner } from "node-pg-migrate";
import { packagePath } from "../../engine/paths.js";

export interface DatabaseOptions {
  url: string;
  /** Every table lives in this schema (tests use one each). */
  schema: string;
  /** Pool size. @defaultValue 10 */
  max?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name "${schema}": lower-case letters, digits and _ only`);
}

/** A pool on `schema`; run {@link migrate} before using it. */
export function createPool(options: DatabaseOptions): pg.Pool {
  checkSchemaName(options.schema);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    // search_path per connection: every query names tables without a schema.
    options: `-c search_path=${options.schema}`,
    connectionTimeoutMillis: 5000,
  });
  // An idle client's error (the server restarted) must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  return pool;
}

/** Bring the schema up to the newest migration (creating it when absent). Safe to run from several processes at once. */
export async function migrate(options: DatabaseOptions): Promise<void> {
  checkSchemaName(options.schema);
  const client = new pg.Client({ connectionString: options.url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await runner({
      dbClient: client,
      dir: packagePath("migrations"),
      direction: "up",
      migrationsTable: "pgmigrations",
      schema: options.schema,
      createSchema: true,
      checkOrder: true,
      // Several workers may start together: the second waits for the first's migrations.
      advisoryLockMode: "wait",
      log: () => {},
    });
  } finally {
    await client.end();
  }
}

/** Drop a schema and everything in it (tests, `DELETE` is not this). */
export async function dropSchema(url: string, schema: string): Promise<void> {
  checkSchemaName(schema);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Whether a PostgreSQL server answers at `url`. */
export async function pingDatabase(url: string, timeoutMs = 1000): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
