import type { AwsCredentialsInput } from '@gateway/db';

/** The AWS credentials a provider's config gives (bedrock), or null: the standard AWS chain then applies. */
export function awsCredentials(provider: {
  aws_access_key_id?: string | undefined;
  aws_secret_access_key?: string | undefined;
  aws_session_token?: string | undefined;
}): AwsCredentialsInput | null {
  if (provider.aws_access_key_id === undefined || provider.aws_secret_access_key === undefined) return null;
  return {
    accessKeyId: provider.aws_access_key_id,
    secretAccessKey: provider.aws_secret_access_key,
    ...(provider.aws_session_token === undefined ? {} : { sessionToken: provider.aws_session_token }),
  };
}
