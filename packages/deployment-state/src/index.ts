export * from './types.ts';
export { createDeploymentState } from './create-deployment-state.ts';
export { attemptVerdict, defaultEjectionSettings, type AttemptVerdict, type DeploymentStateOptions, type EjectionSettings } from './health-settings.ts';
