export { startGatewayInProcess, type RunningGateway } from './embedded.ts';
