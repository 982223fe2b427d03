// Moved to packages/guardrail-client, which the API uses too.
export * from '@gateway/guardrail-client';
