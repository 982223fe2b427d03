import { configChanged, type ConfigChanged } from '@gateway/contracts';
import { adminHost } from '../host.ts';

/** Tells the running services that a key or config entity changed (as the admin REST API does). */
export function publishConfigChange(entity: ConfigChanged['entity'], id: string, action: ConfigChanged['action']): void {
  adminHost().bus.publish(configChanged, { entity, id, action });
}
