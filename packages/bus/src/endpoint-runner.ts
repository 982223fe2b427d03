import { GatewayError } from '@gateway/contracts';
import type { ErrorSource } from '@gateway/contracts';
import { decodeJson, encodeJson } from './codec.ts';
import { serviceFailedMessage, toErrorReply } from './error-reply.ts';
import type { ErrorReply } from './error-reply.ts';
import { describeError } from './logger.ts';
import type { BusLogger } from './logger.ts';
import { describeIssues } from './schema-issues.ts';
import { runInMessageContext } from './trace-context.ts';
import type { MessageContext, ServiceEndpoint } from './types.ts';

export type EndpointOutcome = { ok: true; data: Uint8Array } | { ok: false; error: ErrorReply };

export interface EndpointRunnerOptions {
  service: string;
  /** Source given to the errors this wrapper makes (invalid request, internal error). */
  source: ErrorSource;
  logger: BusLogger;
}

/**
 * The service's half of a request, the same for both buses. It awaits the handler and turns every
 * failure into an error outcome, so a failing handler is answered, never left to the caller's timeout.
 * It never rejects.
 */
export async function runEndpoint(
  binding: ServiceEndpoint,
  data: Uint8Array,
  messageContext: MessageContext,
  options: EndpointRunnerOptions,
): Promise<EndpointOutcome> {
  const { endpoint } = binding;
  let decoded: unknown;
  try {
    decoded = decodeJson(data);
  } catch {
    return invalidRequest(`Invalid ${endpoint.subject} request: the body is not JSON`, options);
  }
  const request = endpoint.request.safeParse(decoded);
  if (!request.success) {
    return invalidRequest(`Invalid ${endpoint.subject} request: ${describeIssues(request.error.issues)}`, options);
  }

  let response: unknown;
  try {
    response = await runInMessageContext(messageContext, () => binding.handler(request.data, messageContext));
  } catch (error) {
    if (!(error instanceof GatewayError)) {
      options.logger.error(
        { error: describeError(error), subject: endpoint.subject, requestId: messageContext.requestId },
        'Service handler failed',
      );
    }
    return { ok: false, error: toErrorReply(error, { source: options.source, message: serviceFailedMessage(options.service) }) };
  }

  const parsed = endpoint.response.safeParse(response);
  if (!parsed.success) {
    options.logger.error(
      { issues: describeIssues(parsed.error.issues), subject: endpoint.subject, requestId: messageContext.requestId },
      'Service handler returned a response that breaks its contract',
    );
    return {
      ok: false,
      error: { code: 'internal_error', message: serviceFailedMessage(options.service), source: options.source },
    };
  }
  try {
    return { ok: true, data: encodeJson(parsed.data) };
  } catch (error) {
    // A schema may admit values JSON cannot hold (a bigint); the caller still gets an answer.
    options.logger.error(
      { error: describeError(error), subject: endpoint.subject, requestId: messageContext.requestId },
      'Service response could not be encoded',
    );
    return {
      ok: false,
      error: { code: 'internal_error', message: serviceFailedMessage(options.service), source: options.source },
    };
  }
}

function invalidRequest(message: string, options: EndpointRunnerOptions): EndpointOutcome {
  return { ok: false, error: { code: 'invalid_request', message, source: options.source } };
}
