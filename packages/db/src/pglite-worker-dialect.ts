import { Worker } from 'node:worker_threads';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

/** What pglite-worker.mjs reports about itself or answers to a message. */
type WorkerMessage =
  | { type: 'ready' }
  | { type: 'failed'; error: SerializedError }
  | { id: number; rows: unknown[]; affectedRows?: number }
  | { id: number; closed: true }
  | { id: number; error: SerializedError };

interface SerializedError {
  message: string;
  name?: string;
  [field: string]: unknown;
}

/** The worker's error as an Error of this thread, keeping Postgres' fields (`code`, `detail`, `constraint`...). */
function toError(serialized: SerializedError): Error {
  const { message, name, stack: _stack, ...fields } = serialized;
  const error = new Error(message);
  if (name) error.name = name;
  return Object.assign(error, fields);
}

interface Pending {
  resolve(message: WorkerMessage): void;
  reject(error: Error): void;
}

/**
 * An embedded PGlite living in a `worker_threads` worker (pglite-worker.mjs), so its synchronous
 * WebAssembly work runs off the main event loop. Statements travel as `{ id, sql, params }` messages.
 */
export class PgliteWorkerClient {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #failure: Error | undefined;
  #closing: Promise<void> | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (message: WorkerMessage) => {
      if (!('id' in message)) return;
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      this.#updateRef();
      if ('error' in message) pending.reject(toError(message.error));
      else pending.resolve(message);
    });
    worker.on('error', (error) => this.#fail(error));
    worker.on('exit', (code) => this.#fail(new Error(`The PGlite worker exited (code ${code})`)));
  }

  /** Starts the worker and waits until PGlite has opened `dataDir`. */
  static async start(dataDir: string): Promise<PgliteWorkerClient> {
    // No inherited execArgv: the worker is plain JavaScript and some process-wide flags are refused in workers.
    const worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), { workerData: { dataDir }, execArgv: [] });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: WorkerMessage) => {
        if (!('type' in message)) return;
        cleanup();
        if (message.type === 'ready') resolve();
        else reject(toError(message.error));
      };
      const onError = (error: Error) => {
        cleanup();
        reject(error);
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`The PGlite worker exited while starting (code ${code})`));
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    const client = new PgliteWorkerClient(worker);
    client.#updateRef();
    return client;
  }

  async query(sql: string, params: readonly unknown[]): Promise<{ rows: unknown[]; affectedRows?: number }> {
    if (this.#closing) throw new Error('The PGlite database is closed');
    const answer = await this.#send({ sql, params: [...params] });
    return answer as { rows: unknown[]; affectedRows?: number };
  }

  /** Closes PGlite in the worker (it flushes its files) and ends the worker; repeated calls share the first. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        if (!this.#failure) await this.#send({ close: true });
      } finally {
        await this.#worker.terminate();
      }
    })();
    return this.#closing;
  }

  #send(message: { sql: string; params: unknown[] } | { close: true }): Promise<WorkerMessage> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise<WorkerMessage>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#updateRef();
      try {
        this.#worker.postMessage({ id, ...message });
      } catch (error) {
        // E.g. a parameter that cannot be cloned.
        this.#pending.delete(id);
        this.#updateRef();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const pending of this.#pending.values()) pending.reject(this.#failure);
    this.#pending.clear();
  }

  /** Like the in-process PGlite before, an idle database does not keep the process alive; one at work does. */
  #updateRef(): void {
    if (this.#pending.size > 0) this.#worker.ref();
    else this.#worker.unref();
  }
}

class PgliteWorkerConnection implements DatabaseConnection {
  constructor(private readonly client: PgliteWorkerClient) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.client.query(compiledQuery.sql, compiledQuery.parameters);
    // As the in-process dialect did: a count only when rows were affected.
    if (result.affectedRows) return { rows: result.rows as R[], numAffectedRows: BigInt(result.affectedRows) };
    return { rows: result.rows as R[] };
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) throw new Error('chunkSize must be a positive integer');
    const { rows } = await this.executeQuery<R>(compiledQuery);
    for (let start = 0; start < rows.length; start += chunkSize) yield { rows: rows.slice(start, start + chunkSize) };
  }
}

/**
 * Kysely's driver for the worker's PGlite: one connection, lent to one user at a time (a mutex), so the
 * statements of a transaction (BEGIN ... COMMIT) are never interleaved with anybody else's.
 */
class PgliteWorkerDriver implements Driver {
  readonly #connection: PgliteWorkerConnection;
  #busy = false;
  readonly #waiting: Array<() => void> = [];

  constructor(private readonly client: PgliteWorkerClient) {
    this.#connection = new PgliteWorkerConnection(client);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#busy) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#busy = true;
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    const next = this.#waiting.shift();
    // The connection passes straight to the next waiter (still busy), or becomes free.
    if (next) next();
    else this.#busy = false;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const isolation = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    const access = settings.accessMode ? ` ${settings.accessMode}` : '';
    await connection.executeQuery(CompiledQuery.raw(`start transaction${isolation}${access}`));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async destroy(): Promise<void> {
    await this.client.close();
  }
}

export class PgliteWorkerDialect implements Dialect {
  constructor(private readonly client: PgliteWorkerClient) {}

  createAdapter() {
    return new PostgresAdapter();
  }

  createDriver(): Driver {
    return new PgliteWorkerDriver(this.client);
  }

  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }

  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }
}
