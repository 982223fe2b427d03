import { GatewayError, openAiErrorTypeByCode, type OpenAiErrorBody } from '@gateway/contracts';

/** The OpenAI error shape, plus the request id and the part of the gateway that failed. */
export function openAiErrorBody(error: GatewayError, requestId: string): OpenAiErrorBody {
  return {
    error: {
      message: error.message,
      type: openAiErrorTypeByCode[error.code],
      code: error.code,
      param: error.param,
      request_id: requestId,
      source: error.source,
    },
  };
}
