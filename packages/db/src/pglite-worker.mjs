// The embedded database's own thread: it owns a PGlite (which runs synchronously on the thread it lives
// on) so its work never blocks the main event loop. Plain JavaScript that imports only PGlite, so it
// needs no TypeScript loader. Protocol (see pglite-worker-dialect.ts):
//   started with workerData { dataDir }; posts { type: 'ready' } or { type: 'failed', error }
//   { id, sql, params }  -> { id, rows, affectedRows } | { id, error }
//   { id, close: true }  -> { id, closed: true } | { id, error }
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

/** An error as plain data: its message and name plus every primitive field (Postgres' code, detail, constraint...). */
function serializeError(error) {
  if (!(error instanceof Object)) return { message: String(error) };
  const plain = { message: String(error.message ?? error), name: error.name ?? 'Error' };
  for (const [key, value] of Object.entries(error)) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) plain[key] = value;
  }
  return plain;
}

let pglite;
try {
  pglite = await PGlite.create(workerData.dataDir);
} catch (error) {
  parentPort.postMessage({ type: 'failed', error: serializeError(error) });
  process.exit(1);
}

// One message at a time, in arrival order (the main side also sends one statement at a time).
let queue = Promise.resolve();
parentPort.on('message', (message) => {
  queue = queue.then(() => handle(message));
});
parentPort.postMessage({ type: 'ready' });

async function handle(message) {
  const { id } = message;
  try {
    if (message.close) {
      if (!pglite.closed) await pglite.close();
      parentPort.postMessage({ id, closed: true });
      parentPort.close();
      return;
    }
    const result = await pglite.query(message.sql, message.params);
    parentPort.postMessage({ id, rows: result.rows, fields: result.fields, affectedRows: result.affectedRows });
  } catch (error) {
    parentPort.postMessage({ id, error: serializeError(error) });
  }
}
