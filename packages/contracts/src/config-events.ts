import { z } from 'zod';
import { defineEvent } from './endpoint.ts';

/** Published by whoever changes keys or config (admin API, dashboard) so caches drop stale entries. */
export const configChangedSchema = z.object({
  entity: z.enum(['key', 'provider', 'model', 'settings', 'guardrail', 'all']),
  id: z.string().optional(),
  action: z.enum(['created', 'updated', 'deleted']),
});
export type ConfigChanged = z.infer<typeof configChangedSchema>;

export const configChanged = defineEvent('config.v1.changed', configChangedSchema);
