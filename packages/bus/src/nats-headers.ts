import { headerNames } from '@gateway/contracts';
import { headers as createHeaders } from '@nats-io/transport-node';
import type { MsgHdrs } from '@nats-io/transport-node';
import { readErrorCode } from './error-reply.ts';
import type { ErrorReply } from './error-reply.ts';
import type { MessageContext } from './types.ts';

/** Header values are one line on the wire: a line break would end the header block. */
function headerValue(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}

export function contextHeaders(context: MessageContext, target: MsgHdrs = createHeaders()): MsgHdrs {
  if (context.requestId !== undefined) target.set(headerNames.requestId, headerValue(context.requestId));
  if (context.traceparent !== undefined) target.set(headerNames.traceparent, headerValue(context.traceparent));
  if (context.tracestate !== undefined) target.set(headerNames.tracestate, headerValue(context.tracestate));
  return target;
}

export function contextFromHeaders(headers: MsgHdrs | undefined): MessageContext {
  const context: MessageContext = {};
  if (headers === undefined) return context;
  const requestId = headers.get(headerNames.requestId);
  const traceparent = headers.get(headerNames.traceparent);
  const tracestate = headers.get(headerNames.tracestate);
  if (requestId !== '') context.requestId = requestId;
  if (traceparent !== '') context.traceparent = traceparent;
  if (tracestate !== '') context.tracestate = tracestate;
  return context;
}

/** Our own error headers; `respondError` adds the NATS micro ones (`Nats-Service-Error`, `-Code`). */
export function errorReplyHeaders(reply: ErrorReply): MsgHdrs {
  const headers = createHeaders();
  headers.set(headerNames.gatewayErrorCode, reply.code);
  headers.set(headerNames.gatewayErrorSource, headerValue(reply.source));
  if (reply.param) headers.set(headerNames.gatewayErrorParam, headerValue(reply.param));
  if (reply.retryAfterSeconds !== undefined) headers.set(headerNames.gatewayErrorRetryAfter, String(reply.retryAfterSeconds));
  return headers;
}

export function errorReplyMessage(reply: ErrorReply): string {
  return headerValue(reply.message);
}

/** What an error reply said; `code` is missing when the service was not one of ours. */
export interface ReceivedErrorReply {
  code: ErrorReply['code'] | undefined;
  source: string | undefined;
  message: string;
  param: string | undefined;
  retryAfterSeconds: number | undefined;
}

/** Undefined for a successful reply (no `Nats-Service-Error-Code` header). */
export function readErrorReply(headers: MsgHdrs | undefined): ReceivedErrorReply | undefined {
  if (headers === undefined || !headers.has(headerNames.serviceErrorCode)) return undefined;
  const source = headers.get(headerNames.gatewayErrorSource);
  return {
    code: readErrorCode(headers.get(headerNames.gatewayErrorCode)),
    source: source === '' ? undefined : source,
    message: headers.get(headerNames.serviceError),
    param: headers.get(headerNames.gatewayErrorParam) || undefined,
    retryAfterSeconds: Number.isFinite(Number.parseFloat(headers.get(headerNames.gatewayErrorRetryAfter)))
      ? Number.parseFloat(headers.get(headerNames.gatewayErrorRetryAfter))
      : undefined,
  };
}
