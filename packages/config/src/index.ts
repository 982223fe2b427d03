export * from './environment.ts';
export * from './gateway-config-schema.ts';
export * from './load-gateway-config.ts';
export * from './live-config.ts';
export * from './routing-query.ts';
export * from './cache-config.ts';
export * from './cache-scope.ts';
export * from './guardrail-config.ts';
