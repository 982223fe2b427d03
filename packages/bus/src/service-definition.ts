import type { ErrorSource } from '@gateway/contracts';
import { toErrorSource } from './error-reply.ts';
import type { ServiceDefinition } from './types.ts';

/**
 * Fails fast at start on a definition that would misroute: callers name the service of an endpoint in
 * their errors, so an endpoint served under another service's name would blame the wrong one.
 */
export function checkServiceDefinition(definition: ServiceDefinition): void {
  if (definition.endpoints.length === 0) {
    throw new Error(`Service ${definition.name} has no endpoints`);
  }
  const subjects = new Set<string>();
  for (const { endpoint } of definition.endpoints) {
    if (endpoint.service !== definition.name) {
      throw new Error(`Endpoint ${endpoint.subject} belongs to service ${endpoint.service}, not ${definition.name}`);
    }
    if (subjects.has(endpoint.subject)) {
      throw new Error(`Service ${definition.name} binds ${endpoint.subject} twice`);
    }
    subjects.add(endpoint.subject);
  }
}

/** The source of errors a service's wrapper makes; services the error type does not name yet count as the gateway. */
export function serviceErrorSource(definition: ServiceDefinition): ErrorSource {
  return toErrorSource(definition.name, 'gateway');
}
