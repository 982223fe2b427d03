import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { ProviderError } from '../errors.ts';
import type { ProviderSettings } from '../types.ts';

/** AWS credentials as the signer and the credential chain speak of them. */
interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}
export type AwsCredentialIdentityProvider = () => Promise<AwsCredentialIdentity>;

export interface RequestAuthenticator {
  /** The headers to send: `headers` plus the authentication ones (and `host` when signing). */
  headers(url: string, headers: Record<string, string>, body: string): Promise<Record<string, string>>;
}

export interface AuthenticatorOptions {
  region: string;
  /**
   * The provider's secrets, which messages never hold. Credentials from the AWS chain are added here
   * as they come; a refresh replaces the entries of the credentials it refreshed.
   */
  secrets: string[];
  /** For tests: a fixed signing date. */
  signingDate?: () => Date;
  /** Default: the standard AWS credential chain (environment, shared files, SSO, container and instance roles). */
  credentialChain?: () => AwsCredentialIdentityProvider;
}

async function defaultCredentialChain(): Promise<AwsCredentialIdentityProvider> {
  // Loaded on first use: gateways without Bedrock never pay for the AWS credential modules.
  // `defaultProvider` is the Node credential chain (`fromNodeProviderChain` of the AWS SDK is this
  // same chain, re-exported by a package the gateway does not depend on); it is memoised and refreshes.
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  return defaultProvider();
}

/**
 * How a Bedrock request is authenticated: with a Bedrock API key (`Authorization: Bearer`), or signed
 * with AWS Signature Version 4 by AWS's own signer, over exactly the method, encoded path, headers and
 * body bytes that are then sent.
 */
export function createRequestAuthenticator(settings: ProviderSettings, options: AuthenticatorOptions): RequestAuthenticator {
  const provider = settings.name;
  if (settings.apiKey) {
    const authorization = `Bearer ${settings.apiKey}`;
    return { headers: async (_url, headers) => ({ ...headers, authorization }) };
  }

  // The entries this authenticator added to `options.secrets`: those of the current credentials only,
  // so the list does not grow with every refresh of short-lived credentials.
  let added: string[] = [];
  const remember = (credentials: AwsCredentialIdentity): AwsCredentialIdentity => {
    const current = [credentials.secretAccessKey, credentials.sessionToken].filter((secret): secret is string => !!secret);
    for (const secret of added) {
      const position = options.secrets.indexOf(secret);
      if (!current.includes(secret) && position >= 0) options.secrets.splice(position, 1);
    }
    added = added.filter((secret) => current.includes(secret));
    for (const secret of current) {
      if (!options.secrets.includes(secret)) {
        options.secrets.push(secret);
        added.push(secret);
      }
    }
    return credentials;
  };
  let chain: Promise<AwsCredentialIdentityProvider> | undefined;
  const credentials: AwsCredentialIdentityProvider = settings.aws
    ? async () => remember(settings.aws as AwsCredentialIdentity)
    : async () => {
        // One chain per adapter: it caches the credentials and refreshes them before they expire.
        chain ??= options.credentialChain ? Promise.resolve(options.credentialChain()) : defaultCredentialChain();
        try {
          return remember(await (await chain)());
        } catch (error) {
          throw new ProviderError('provider_error', `provider ${provider} found no AWS credentials`, {
            provider,
            retryable: false,
            cause: error,
          });
        }
      };
  const signer = new SignatureV4({ service: 'bedrock', region: options.region, credentials, sha256: Sha256 });

  return {
    async headers(url, headers, body) {
      const target = new URL(url);
      const request = new HttpRequest({
        method: 'POST',
        protocol: target.protocol,
        hostname: target.hostname,
        ...(target.port ? { port: Number(target.port) } : {}),
        // The path as it is sent (model id already percent-encoded): for services other than S3 the
        // signer encodes it once more for the canonical request, as AWS expects.
        path: target.pathname,
        headers: { ...headers, host: target.host },
        body,
      });
      const signed = await signer.sign(request, options.signingDate ? { signingDate: options.signingDate() } : {});
      return signed.headers;
    },
  };
}
