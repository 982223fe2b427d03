import type { PiiEntityType } from '@gateway/contracts';

/** Which type wins where two spans overlap: the more specific and more harmful first. */
export const piiPriority: readonly PiiEntityType[] = [
  'SECRET',
  'EMAIL_ADDRESS',
  'CREDIT_CARD',
  'IBAN_CODE',
  'US_SSN',
  'URL',
  'IP_ADDRESS',
  'PHONE_NUMBER',
  'PERSON',
  'ORGANIZATION',
  'LOCATION',
];
