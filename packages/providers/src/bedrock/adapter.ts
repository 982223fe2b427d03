import { GatewayError } from '@gateway/contracts';
import { settingsSecrets } from '../errors.ts';
import { postBody, readJson, upstreamClient, type UpstreamResponse } from '../http.ts';
import { fetchImage as defaultFetchImage } from '../images/fetch-image.ts';
import type { AdapterOptions, ChatCall, ProviderAdapter, ProviderSettings } from '../types.ts';
import { enforceStrict } from '../warnings.ts';
import { bedrockBaseUrl, bedrockRegion, converseUrl, type BedrockOperation } from './api.ts';
import { converseRequest } from './converse-request.ts';
import { converseResponseSchema, toChatCompletion } from './converse-response.ts';
import { converseStreamParts } from './converse-stream.ts';
import { createRequestAuthenticator, type AwsCredentialIdentityProvider } from './signing.ts';

export interface BedrockAdapterOptions extends AdapterOptions {
  /** For tests: a fixed SigV4 signing date. */
  signingDate?: () => Date;
  /** For tests: the credential chain used when settings carry neither `aws` nor `apiKey`. */
  credentialChain?: () => AwsCredentialIdentityProvider;
  /** For tests: where the region comes from when settings have none (default: process.env). */
  environment?: NodeJS.ProcessEnv;
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The adapter for Amazon Bedrock's Converse API (`converse`, `converse-stream`), authenticated with a
 * Bedrock API key or AWS Signature V4. One HTTP call per method; retries belong to the executor. There
 * is no pass-through: every request must be signed.
 */
export function createBedrockAdapter(settings: ProviderSettings, options: BedrockAdapterOptions = {}): ProviderAdapter {
  const provider = settings.name;
  const region = bedrockRegion(settings, options.environment);
  const baseUrl = bedrockBaseUrl(settings, region);
  const secrets = [
    ...settingsSecrets(settings),
    ...[settings.aws?.secretAccessKey, settings.aws?.sessionToken].filter((secret): secret is string => !!secret),
  ];
  const client = upstreamClient(settings, options, secrets);
  const authenticator = createRequestAuthenticator(settings, {
    region,
    secrets,
    ...(options.signingDate && { signingDate: options.signingDate }),
    ...(options.credentialChain && { credentialChain: options.credentialChain }),
  });
  const fetchImage = options.fetchImage ?? defaultFetchImage;

  async function send(call: ChatCall, operation: BedrockOperation) {
    const mapped = await converseRequest(call.request, call.model, { provider, fetchImage, signal: call.signal });
    enforceStrict(mapped.warnings, call.strict, provider);
    await mapped.loadImages();
    const url = converseUrl(baseUrl, call.model, operation);
    const text = JSON.stringify(mapped.body);
    const headers = await authenticator.headers(
      url,
      {
        ...settings.headers,
        'content-type': 'application/json',
        accept: operation === 'converse' ? 'application/json' : 'application/vnd.amazon.eventstream',
      },
      text,
    );
    // Bedrock's errors are `{"message": …}` (type in `x-amzn-errortype`): mapped by status and message.
    const response = await postBody(client, url, headers, text, call.signal);
    return { response, mapped };
  }

  const completionId = (response: UpstreamResponse, call: ChatCall): string =>
    `chatcmpl-${headerText(response.headers['x-amzn-requestid']) ?? call.requestId}`;

  return {
    settings,

    async chat(call) {
      const { response, mapped } = await send(call, 'converse');
      const upstream = await readJson(client, response, converseResponseSchema, call.signal);
      const result = toChatCompletion(upstream, {
        id: completionId(response, call),
        model: call.model,
        structuredOutputTool: mapped.structuredOutputTool,
      });
      const warnings = [...mapped.warnings];
      if (!upstream.usage) warnings.push({ type: 'other', message: `provider ${provider} reported no token usage` });
      return { ...result, warnings };
    },

    async chatStream(call) {
      const { response, mapped } = await send(call, 'converse-stream');
      return {
        parts: converseStreamParts(client, response, call.signal, {
          id: completionId(response, call),
          model: call.model,
          structuredOutputTool: mapped.structuredOutputTool,
        }),
        warnings: mapped.warnings,
      };
    },

    async embeddings() {
      throw new GatewayError('invalid_request', `provider ${provider} (type bedrock) does not offer embeddings in this version`, {
        param: 'model',
        source: `provider:${provider}`,
      });
    },
  };
}
