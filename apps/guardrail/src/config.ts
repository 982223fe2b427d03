import { z } from 'zod';

/** The guardrail process's own settings (the shared ones come from `parseEnvironment` of @gateway/config). */
const guardrailEnvironmentSchema = z.object({
  /** Port of the ops server (/health, /ready, /metrics). */
  GUARDRAIL_PORT: z.coerce.number().int().min(0).max(65_535).default(8085),
});
export type GuardrailEnvironment = Readonly<z.infer<typeof guardrailEnvironmentSchema>>;

export function parseGuardrailEnvironment(environment: NodeJS.ProcessEnv = process.env): GuardrailEnvironment {
  return Object.freeze(guardrailEnvironmentSchema.parse(environment));
}
