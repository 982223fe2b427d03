/** One SSE event as it was written to the client: the `event:` name (Anthropic) and the `data:` text. */
export interface StoredEvent {
  event?: string;
  data: string;
}

/** The first answer to an Idempotency-Key, as a repeat replays it. */
export type StoredAnswer =
  | { kind: 'json'; hash: string; requestId: string; status: number; headers: Record<string, string>; body: unknown }
  | { kind: 'stream'; hash: string; requestId: string; headers: Record<string, string>; events: StoredEvent[] };

/** What the store holds under a key: a request running (pending marker) or its answer. */
export type KeyState = { kind: 'pending'; marker: string; hash: string } | { kind: 'answered'; answer: StoredAnswer };

export function pendingMarker(token: string, hash: string): string {
  return `pending ${token} ${hash}`;
}

export function parseKeyState(value: string): KeyState {
  if (value.startsWith('pending ')) {
    const [, , hash = ''] = value.split(' ');
    return { kind: 'pending', marker: value, hash };
  }
  return { kind: 'answered', answer: JSON.parse(value) as StoredAnswer };
}
