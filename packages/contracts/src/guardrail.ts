import { z } from 'zod';
import { defineEndpoint } from './endpoint.ts';

const guardrailService = { service: 'guardrail', version: '1.0.0', group: 'guardrail.v1' } as const;

/** Entity names as Presidio spells them, plus SECRET (API keys, AWS keys, JWTs, private keys, high-entropy tokens). */
export const piiEntityTypes = [
  'EMAIL_ADDRESS',
  'PHONE_NUMBER',
  'CREDIT_CARD',
  'IBAN_CODE',
  'US_SSN',
  'IP_ADDRESS',
  'URL',
  'SECRET',
  'PERSON',
  'LOCATION',
  'ORGANIZATION',
] as const;
export const piiEntityTypeSchema = z.enum(piiEntityTypes);
export type PiiEntityType = z.infer<typeof piiEntityTypeSchema>;

export const guardrailActions = ['deny', 'redact', 'flag'] as const;
export const guardrailActionSchema = z.enum(guardrailActions);
export type GuardrailAction = z.infer<typeof guardrailActionSchema>;

export const guardrailPhases = ['input', 'output', 'both'] as const;
export const guardrailPhaseSchema = z.enum(guardrailPhases);
export type GuardrailPhase = z.infer<typeof guardrailPhaseSchema>;

export const guardrailCheckTypes = ['pii', 'prompt_injection', 'denied_topics', 'keywords', 'regex', 'max_size', 'json_schema'] as const;
export type GuardrailCheckType = (typeof guardrailCheckTypes)[number];

/** Actions that only decide (no text to replace). */
const decideAction = z.enum(['deny', 'flag']);

/**
 * The checks of a policy, in gateway.yaml's names (snake_case): the API sends the policies it resolved
 * for a request as they are configured, so the service needs no configuration of its own.
 */
export const piiCheckSchema = z.strictObject({
  type: z.literal('pii'),
  /** Entity types to look for; all of them when left out. */
  entities: z.array(piiEntityTypeSchema).min(1).optional(),
  action: guardrailActionSchema,
  phase: guardrailPhaseSchema.default('input'),
  /** With `action: redact` on input: the caller gets the placeholder → value mapping to restore the answer. */
  reversible: z.boolean().default(false),
});

export const promptInjectionCheckSchema = z.strictObject({
  type: z.literal('prompt_injection'),
  /** Scores at or above it trigger the action (0..1). */
  threshold: z.number().min(0).max(1).default(0.8),
  action: decideAction,
  phase: guardrailPhaseSchema.default('input'),
});

export const deniedTopicsCheckSchema = z.strictObject({
  type: z.literal('denied_topics'),
  /** A topic triggers when one of its terms appears as whole words (case-insensitive). */
  topics: z.array(z.strictObject({ name: z.string().min(1).max(100), terms: z.array(z.string().min(1)).min(1) })).min(1),
  action: decideAction,
  phase: guardrailPhaseSchema.default('both'),
});

export const keywordsCheckSchema = z.strictObject({
  type: z.literal('keywords'),
  /** Whole words or phrases. */
  keywords: z.array(z.string().min(1)).min(1),
  case_sensitive: z.boolean().default(false),
  action: guardrailActionSchema,
  phase: guardrailPhaseSchema.default('both'),
});

export const regexCheckSchema = z.strictObject({
  type: z.literal('regex'),
  /** A JavaScript regular expression; a leading inline flag group such as `(?i)` or `(?im)` is accepted. */
  pattern: z.string().min(1).max(2000),
  action: guardrailActionSchema,
  phase: guardrailPhaseSchema.default('both'),
});

export const maxSizeCheckSchema = z.strictObject({
  type: z.literal('max_size'),
  /** Most characters (UTF-16 code units) of all the texts of a request together. */
  max_chars: z.number().int().positive(),
  action: decideAction,
  phase: guardrailPhaseSchema.default('input'),
});

export const jsonSchemaCheckSchema = z.strictObject({
  type: z.literal('json_schema'),
  /** A JSON Schema (draft 2020-12 or 07) the whole output must parse as and validate against. */
  schema: z.record(z.string(), z.unknown()),
  action: decideAction,
  phase: z.literal('output').default('output'),
});

export const guardrailCheckSchema = z.discriminatedUnion('type', [
  piiCheckSchema,
  promptInjectionCheckSchema,
  deniedTopicsCheckSchema,
  keywordsCheckSchema,
  regexCheckSchema,
  maxSizeCheckSchema,
  jsonSchemaCheckSchema,
]);
export type GuardrailCheck = z.infer<typeof guardrailCheckSchema>;
export type GuardrailCheckInput = z.input<typeof guardrailCheckSchema>;

/** What the API does when the guardrail service cannot be reached: let the request through, or refuse it. */
export const guardrailOnErrorSchema = z.enum(['fail_open', 'fail_closed']);
export type GuardrailOnError = z.infer<typeof guardrailOnErrorSchema>;

export const guardrailPolicySchema = z.strictObject({
  name: z.string().min(1).max(100),
  checks: z.array(guardrailCheckSchema).min(1),
  on_error: guardrailOnErrorSchema.default('fail_closed'),
});
export type GuardrailPolicy = z.infer<typeof guardrailPolicySchema>;
export type GuardrailPolicyInput = z.input<typeof guardrailPolicySchema>;

/**
 * One check's outcome, as it goes into the usage record: never a value that was found, only which
 * check, what it decided, and the entity types with their counts.
 */
export const guardrailVerdictSchema = z.object({
  policy: z.string(),
  check: z.enum(guardrailCheckTypes),
  /** Position of the check in its policy's `checks`. */
  index: z.number().int().nonnegative(),
  /** The action configured; `verdict` says what it did. */
  action: guardrailActionSchema,
  /** `pass`: nothing found; otherwise the action taken. */
  verdict: z.enum(['pass', 'flag', 'redact', 'deny']),
  /** Entity types (pii) or match kinds (`REGEX`, `KEYWORD`, `TOPIC:<name>`) with how many were found. */
  entities: z.record(z.string(), z.number().int().positive()).optional(),
  /** prompt_injection: the score (0..1). */
  score: z.number().min(0).max(1).optional(),
});
export type GuardrailVerdict = z.infer<typeof guardrailVerdictSchema>;

/** The first check that denied, named for the client's error (no value found is ever in it). */
export const guardrailDenialSchema = z.object({
  policy: z.string(),
  check: z.enum(guardrailCheckTypes),
  index: z.number().int().nonnegative(),
  /** Safe to show the client, e.g. "prompt_injection check of policy strict: score 0.97 ≥ 0.8". */
  message: z.string(),
});
export type GuardrailDenial = z.infer<typeof guardrailDenialSchema>;

/** How many placeholders of each entity type a request already used (`{ EMAIL_ADDRESS: 2 }`). */
export const placeholderCountsSchema = z.record(z.string(), z.number().int().nonnegative());
export type PlaceholderCounts = z.infer<typeof placeholderCountsSchema>;

export const guardrailInputRequestSchema = z.object({
  requestId: z.string(),
  /** The policies that apply (the key's, the model's and the request's `x-gateway-guardrails`), in order. */
  policies: z.array(guardrailPolicySchema).min(1),
  /**
   * The request's texts in order: each message's text parts (system, user, assistant, tool). The answer's
   * `segments` has the same length and order, so the API puts the redacted texts back where they came from.
   */
  segments: z.array(z.object({ role: z.string(), text: z.string() })),
});
export type GuardrailInputRequest = z.infer<typeof guardrailInputRequestSchema>;
export type GuardrailInputRequestInput = z.input<typeof guardrailInputRequestSchema>;

export const guardrailInputResponseSchema = z.object({
  /** `deny`: refuse the request (`denial` says why); `allow`: go on, with `segments` when something was redacted. */
  action: z.enum(['allow', 'deny']),
  denial: guardrailDenialSchema.optional(),
  verdicts: z.array(guardrailVerdictSchema),
  /** The texts with typed placeholders (`<EMAIL_ADDRESS_1>`), when any check redacted; send these upstream. */
  segments: z.array(z.string()).optional(),
  /**
   * Reversible redactions: placeholder → original value, for restoring the answer. Sensitive: it holds
   * the very values the policy keeps from the provider; the API keeps it in memory for the request and
   * never logs it, stores it or sends it anywhere else.
   */
  restore: z.record(z.string(), z.string()).optional(),
  /** Placeholders used per entity type; pass it to the output check so its own placeholders do not collide. */
  placeholderCounts: placeholderCountsSchema.optional(),
});
export type GuardrailInputResponse = z.infer<typeof guardrailInputResponseSchema>;

export const guardrailOutputRequestSchema = z.object({
  requestId: z.string(),
  policies: z.array(guardrailPolicySchema).min(1),
  /** The answer's text (or, streaming, the window the streaming checker asks about). */
  text: z.string(),
  /**
   * `true` for a whole answer. `false` for a window of a stream: checks that need the whole text
   * (`json_schema`, `max_size`) are skipped, and findings come back with positions.
   */
  complete: z.boolean().default(true),
  /** From the input check: output placeholders are numbered after these, so restoring never touches them. */
  placeholderCounts: placeholderCountsSchema.optional(),
});
export type GuardrailOutputRequest = z.infer<typeof guardrailOutputRequestSchema>;
export type GuardrailOutputRequestInput = z.input<typeof guardrailOutputRequestSchema>;

/** Where in `text` a check matched: positions only (UTF-16 offsets, end exclusive), never the value. */
export const guardrailFindingSchema = z.object({
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  /** The entity type (pii), or `REGEX` / `KEYWORD` / `TOPIC`. */
  type: z.string(),
  /** What the check that matched does with it. */
  action: guardrailActionSchema,
  /** The check that matched: its policy and its position there (as in the verdicts). */
  policy: z.string(),
  index: z.number().int().nonnegative(),
});
export type GuardrailFinding = z.infer<typeof guardrailFindingSchema>;

export const guardrailOutputResponseSchema = z.object({
  action: z.enum(['allow', 'deny']),
  denial: guardrailDenialSchema.optional(),
  verdicts: z.array(guardrailVerdictSchema),
  /** The text with placeholders, when a check redacted. */
  text: z.string().optional(),
  /** Every match of a check that fired (deny, redact or flag), ordered by start. */
  findings: z.array(guardrailFindingSchema),
  placeholderCounts: placeholderCountsSchema.optional(),
});
export type GuardrailOutputResponse = z.infer<typeof guardrailOutputResponseSchema>;

export const guardrailCheckInput = defineEndpoint({
  ...guardrailService,
  name: 'check_input',
  request: guardrailInputRequestSchema,
  response: guardrailInputResponseSchema,
});
export const guardrailCheckOutput = defineEndpoint({
  ...guardrailService,
  name: 'check_output',
  request: guardrailOutputRequestSchema,
  response: guardrailOutputResponseSchema,
});
/** Liveness of the guardrail service as the API sees it. */
export const guardrailPing = defineEndpoint({ ...guardrailService, name: 'ping', request: z.object({}), response: z.object({ ok: z.literal(true) }) });

/**
 * Splits a leading inline flag group (`(?i)`, `(?ims)`, as PCRE, Python and Go write them) from a
 * pattern, since JavaScript takes flags apart. Only `i`, `m` and `s` mean the same in JavaScript; any
 * other flag, or a flag group later in the pattern, is left in and makes the pattern invalid.
 */
export function splitInlineFlags(pattern: string): { source: string; flags: string } {
  const match = /^\(\?([ims]+)\)/.exec(pattern);
  if (!match?.[1]) return { source: pattern, flags: '' };
  return { source: pattern.slice(match[0].length), flags: [...new Set(match[1])].join('') };
}

/**
 * What to do when the guardrail service cannot be reached for a request under these policies: any
 * policy that says `fail_closed` refuses the request; only when all say `fail_open` does it go on unchecked.
 */
export function guardrailFailureMode(policies: ReadonlyArray<Pick<GuardrailPolicy, 'on_error'>>): GuardrailOnError {
  return policies.some((policy) => policy.on_error === 'fail_closed') ? 'fail_closed' : 'fail_open';
}
