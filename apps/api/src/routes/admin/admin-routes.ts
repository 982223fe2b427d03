import type { FastifyInstance } from 'fastify';
import { createMasterKeyGuard } from '../../auth/master-key.ts';
import type { AdminContext } from './admin-context.ts';
import { cacheRoutes } from './cache.ts';
import { guardrailRoutes } from './guardrails.ts';
import { keyRoutes } from './keys.ts';
import { modelRoutes } from './models.ts';
import { providerRoutes } from './providers.ts';
import { usageRoutes } from './usage.ts';

/** The admin REST API under /admin/v1, guarded by the master key (the OpenAPI document is public). */
export async function adminRoutes(app: FastifyInstance, options: AdminContext & { prefix?: string }): Promise<void> {
  // Plugin options carry Fastify's `prefix`; handing it down again would prefix the routes twice.
  const { prefix: _prefix, ...context } = options;
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(async (guarded) => {
    // onRequest: the master key is checked before the body is parsed or validated.
    guarded.addHook('onRequest', createMasterKeyGuard(context.masterKey));
    await guarded.register(keyRoutes, context);
    await guarded.register(providerRoutes, context);
    await guarded.register(modelRoutes, context);
    await guarded.register(usageRoutes, context);
    await guarded.register(cacheRoutes, context);
    await guarded.register(guardrailRoutes, context);
  });
}
