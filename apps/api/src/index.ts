export { buildApi, type Api } from './app.ts';
export type { ApiDependencies } from './dependencies.ts';
export { apiReadinessChecks, prepareDatabase, resolveMasterKey, resolveSecretBox } from './bootstrap.ts';
