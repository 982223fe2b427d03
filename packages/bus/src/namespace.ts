/**
 * A namespace lets several gateways (or parallel test runs) share one NATS server: it prefixes every
 * subject (`t1.router.v1.plan`), service group and event, and stream names (`t1_USAGE`). Callers and
 * services must use the same namespace to reach each other; without one, names are used as they are.
 */
export interface Namespace {
  readonly name: string | undefined;
  subject(subject: string): string;
  stream(stream: string): string;
}

/** One subject token that is also valid inside a stream name. */
const namespacePattern = /^[A-Za-z0-9_-]+$/;

export function createNamespace(name?: string): Namespace {
  if (name === undefined || name === '') {
    return { name: undefined, subject: (subject) => subject, stream: (stream) => stream };
  }
  if (!namespacePattern.test(name)) {
    throw new Error(`Invalid bus namespace "${name}": use letters, digits, "_" and "-" only`);
  }
  return {
    name,
    subject: (subject) => `${name}.${subject}`,
    stream: (stream) => `${name}_${stream}`,
  };
}
