import { describe, expect, it } from 'vitest';
import { StoredEntries } from './stored-entries.ts';

describe('StoredEntries', () => {
  it('totals live entries by model, dropping expired ones and those a purge selects', () => {
    let now = 1_000;
    const stored = new StoredEntries(() => now);
    stored.add('key:a', 'fast', 100, 60_000);
    stored.add('key:b', 'fast', 50, 1_000);
    stored.add('key:a', 'slow', 10, 60_000);
    expect(stored.totals()).toEqual(new Map([['fast', { entries: 2, bytes: 150 }], ['slow', { entries: 1, bytes: 10 }]]));
    now += 1_000;
    expect(stored.totals().get('fast')).toEqual({ entries: 1, bytes: 100 });
    stored.purge({ scope: 'key:a' });
    expect(stored.totals().size).toBe(0);
    stored.add('key:c', 'fast', 5, 60_000);
    stored.add('key:c', 'slow', 5, 60_000);
    stored.purge({ model: 'slow' });
    expect([...stored.totals().keys()]).toEqual(['fast']);
    stored.purge({ all: true });
    expect(stored.totals().size).toBe(0);
  });
});
