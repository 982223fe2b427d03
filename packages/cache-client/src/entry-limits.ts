/**
 * The largest cache entry (bytes of its JSON): 1 MiB less room for the rest of the store message, so
 * that a store request stays under NATS's default maximum payload (1 MiB). The API does not send
 * larger answers; the cache service refuses them (`too_large`).
 */
export const DEFAULT_MAX_ENTRY_BYTES = 1024 * 1024 - 64 * 1024;
