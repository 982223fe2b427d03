import { z } from 'zod';
import { defineEndpoint } from './endpoint.ts';

export const routingStrategies = ['single', 'loadbalance', 'fallback'] as const;
export const routingStrategySchema = z.enum(routingStrategies);
export type RoutingStrategy = z.infer<typeof routingStrategySchema>;

export const planTargetSchema = z.object({
  /** Name of the provider in config (e.g. `openai-main`). */
  provider: z.string(),
  /** The model name the upstream provider expects. */
  model: z.string(),
  weight: z.number().nonnegative().optional(),
});
export type PlanTarget = z.infer<typeof planTargetSchema>;

export const planRequestSchema = z.object({
  requestId: z.string(),
  /** The `model` the client sent: a configured model name or `<provider>/<upstream model>`. */
  model: z.string(),
  /** What the request needs from a target. */
  operation: z.enum(['chat', 'embeddings']),
  key: z.object({
    id: z.string(),
    /** Model names this key may use; absent means any. */
    models: z.array(z.string()).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type PlanRequest = z.infer<typeof planRequestSchema>;

export const planSchema = z.object({
  /** The model name resolved (the configured name, or the `<provider>/<model>` string). */
  model: z.string(),
  strategy: routingStrategySchema,
  /** Targets in the order the executor should try them. */
  targets: z.array(planTargetSchema).min(1),
});
export type Plan = z.infer<typeof planSchema>;

export const routerPlan = defineEndpoint({
  service: 'router',
  version: '1.0.0',
  group: 'router.v1',
  name: 'plan',
  request: planRequestSchema,
  response: planSchema,
});

/** Liveness of the router as the API sees it (its /ready checks that some router answers). */
export const routerPing = defineEndpoint({
  service: 'router',
  version: '1.0.0',
  group: 'router.v1',
  name: 'ping',
  request: z.object({}),
  response: z.object({ ok: z.literal(true) }),
});
