import { GatewayError } from '@gateway/contracts';

/** Rows reconciled from gateway.yaml are changed by editing the file, not through the admin API. */
export function fileManagedError(entity: 'provider' | 'model' | 'setting' | 'guardrail policy', name: string): GatewayError {
  return new GatewayError(
    'conflict',
    `The ${entity} "${name}" is defined in gateway.yaml and is read-only here; change it in the file`,
    { source: 'database' },
  );
}
