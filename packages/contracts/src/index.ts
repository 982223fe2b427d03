export * from './errors.ts';
export * from './endpoint.ts';
export * from './headers.ts';
export * from './router.ts';
export * from './usage.ts';
export * from './config-events.ts';
export * from './openai.ts';
export * from './model-access.ts';
