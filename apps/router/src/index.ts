export { startRouter, loadRoutingCatalog } from './router.ts';
export { planRequest } from './domain/plan.ts';
export type { RoutingCatalog } from './domain/catalog.ts';
