/** OpenAI's error bodies, for the fake OpenAI's answers and the faults that give no body of their own. */

export interface OpenAiErrorShape {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function openAiError(message: string, type: string, code: string | null = null, param: string | null = null): OpenAiErrorShape {
  return { error: { message, type, param, code } };
}

/** The body OpenAI sends for a status, used when a fault gives none. */
export function defaultErrorBody(status: number): OpenAiErrorShape {
  switch (status) {
    case 400:
      return openAiError('Invalid request.', 'invalid_request_error');
    case 401:
      return openAiError('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    case 403:
      return openAiError('You are not allowed to sample from this model', 'invalid_request_error');
    case 404:
      return openAiError('The model does not exist or you do not have access to it.', 'invalid_request_error', 'model_not_found');
    case 429:
      return openAiError(
        'Rate limit reached for requests. Please try again later.',
        'requests',
        'rate_limit_exceeded',
      );
    case 503:
      return openAiError('The engine is currently overloaded, please try again later', 'server_error');
    default:
      if (status >= 500) {
        return openAiError('The server had an error while processing your request. Sorry about that!', 'server_error');
      }
      return openAiError(`Request failed with status ${status}.`, 'invalid_request_error');
  }
}
