import { describe, expect, it } from 'vitest';
import { parseProviderForm } from './provider-form.ts';

const form = (fields: Record<string, string>) => {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
};
const bedrock = { name: 'aws', type: 'bedrock', region: 'us-east-1' };
const keyId = 'AKIAIOSFODNN7EXAMPLE';

describe('parseProviderForm', () => {
  it('takes AWS credentials together, with an optional session token', () => {
    expect(parseProviderForm(form({ ...bedrock, aws_access_key_id: keyId, aws_secret_access_key: 'secret', aws_session_token: 'session' }))).toEqual({
      ok: true,
      input: expect.objectContaining({ region: 'us-east-1', aws: { accessKeyId: keyId, secretAccessKey: 'secret', sessionToken: 'session' } }),
    });
    const withoutToken = parseProviderForm(form({ ...bedrock, aws_access_key_id: keyId, aws_secret_access_key: 'secret' }));
    expect(withoutToken.ok && withoutToken.input.aws).toEqual({ accessKeyId: keyId, secretAccessKey: 'secret' });
    // None given: the stored credentials stay (the write-only fields are left empty when editing).
    const kept = parseProviderForm(form(bedrock));
    expect(kept.ok && 'aws' in kept.input).toBe(false);
  });

  it('refuses a key id without its secret, and a session token alone, as the admin API does', () => {
    expect(parseProviderForm(form({ ...bedrock, aws_access_key_id: keyId }))).toEqual({
      ok: false,
      message: 'aws_secret_access_key: aws_access_key_id and aws_secret_access_key go together',
    });
    expect(parseProviderForm(form({ ...bedrock, aws_secret_access_key: 'secret' }))).toEqual({
      ok: false,
      message: 'aws_secret_access_key: aws_access_key_id and aws_secret_access_key go together',
    });
    expect(parseProviderForm(form({ ...bedrock, aws_session_token: 'session' }))).toEqual({
      ok: false,
      message: 'aws_session_token: aws_session_token needs aws_access_key_id and aws_secret_access_key',
    });
    expect(parseProviderForm(form({ name: 'o', type: 'openai', aws_access_key_id: keyId, aws_secret_access_key: 'secret' }))).toMatchObject({ ok: false, message: expect.stringContaining('only for type bedrock') });
  });
});
