import { describe, expect, it } from 'vitest';
import type { PiiEntityType } from '@gateway/contracts';
import { detectPii } from './detect-pii.ts';

const found = (text: string, types?: PiiEntityType[]) => detectPii(text, types ? new Set(types) : undefined).map((finding) => [finding.type, text.slice(finding.start, finding.end)]);

describe('detectPii', () => {
  it('finds emails, not things that only look like them', () => {
    expect(found('write to Jane.Doe+news@mail.example.co.uk today', ['EMAIL_ADDRESS'])).toEqual([['EMAIL_ADDRESS', 'Jane.Doe+news@mail.example.co.uk']]);
    expect(found('version a@b.c1 and user@localhost', ['EMAIL_ADDRESS'])).toEqual([]);
  });

  it('finds phone numbers in international and US formats, valid for their numbering plan', () => {
    expect(found('call +44 20 7946 0958 or (201) 948-1927 or +49 30 901820', ['PHONE_NUMBER'])).toEqual([
      ['PHONE_NUMBER', '+44 20 7946 0958'],
      ['PHONE_NUMBER', '(201) 948-1927'],
      ['PHONE_NUMBER', '+49 30 901820'],
    ]);
    expect(found('order 12345 shipped in 2024, +1 000 000 0000', ['PHONE_NUMBER'])).toEqual([]);
  });

  it('finds card numbers that pass Luhn, grouped or not', () => {
    expect(found('card 4111 1111 1111 1111 and 5500-0000-0000-0004 and 340376792748116', ['CREDIT_CARD'])).toEqual([
      ['CREDIT_CARD', '4111 1111 1111 1111'],
      ['CREDIT_CARD', '5500-0000-0000-0004'],
      ['CREDIT_CARD', '340376792748116'],
    ]);
    expect(found('card 4111 1111 1111 1112, id 1111111111111', ['CREDIT_CARD'])).toEqual([]);
    // Luhn-valid digits inside a longer word (here the end of an IBAN) are not a card.
    expect(found('My IBAN is GB90YNTU67299444055881')).toEqual([['IBAN_CODE', 'GB90YNTU67299444055881']]);
  });

  it('finds IBANs that pass mod-97, compact or grouped', () => {
    expect(found('pay DE89 3704 0044 0532 0130 00 now, or GB82WEST12345698765432', ['IBAN_CODE'])).toEqual([
      ['IBAN_CODE', 'DE89 3704 0044 0532 0130 00'],
      ['IBAN_CODE', 'GB82WEST12345698765432'],
    ]);
    expect(found('pay DE89 3704 0044 0532 0130 01', ['IBAN_CODE'])).toEqual([]);
  });

  it('finds US SSNs and refuses numbers the SSA never issues', () => {
    expect(found('SSN 123-45-6789, ssn: 234567890', ['US_SSN'])).toEqual([
      ['US_SSN', '123-45-6789'],
      ['US_SSN', '234567890'],
    ]);
    expect(found('666-12-3456 000-12-3456 912-12-3456 123-00-4567 123-45-0000', ['US_SSN'])).toEqual([]);
  });

  it('finds IPv4 and IPv6 addresses, not version numbers', () => {
    expect(found('from 192.168.0.1 and 2001:db8::8a2e:370:7334 via ::1', ['IP_ADDRESS'])).toEqual([
      ['IP_ADDRESS', '192.168.0.1'],
      ['IP_ADDRESS', '2001:db8::8a2e:370:7334'],
      ['IP_ADDRESS', '::1'],
    ]);
    expect(found('release 1.2.3.4.5 and 999.1.1.1 at 10:30:00', ['IP_ADDRESS'])).toEqual([]);
  });

  it('finds URLs without the sentence punctuation after them', () => {
    expect(found('see https://example.com/a?b=1. Or www.example.org, then', ['URL'])).toEqual([
      ['URL', 'https://example.com/a?b=1'],
      ['URL', 'www.example.org'],
    ]);
  });

  it('finds provider keys, AWS keys, JWTs, private keys and random tokens', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----';
    const text = `keys sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8t and sk-ant-api03-${'x1Y2'.repeat(20)} and AKIAIOSFODNN7EXAMPLE, token ${jwt}\n${pem}\nsecret=Zq8rT2vLx9Kp4mWnB7cD1eF3`;
    expect(found(text, ['SECRET']).map(([, value]) => value)).toEqual([
      'sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8t',
      `sk-ant-api03-${'x1Y2'.repeat(20)}`,
      'AKIAIOSFODNN7EXAMPLE',
      jwt,
      pem,
      'Zq8rT2vLx9Kp4mWnB7cD1eF3',
    ]);
    // Words, plain hex-free identifiers and a JWT-shaped string that is not JSON are not secrets.
    expect(found('the_quick_brown_fox_jumps_over_the_lazy_dog eyJub3QganNvbi.eyJub3QganNvbi.abcdefghijklmnopqrstu', ['SECRET'])).toEqual([]);
    // Identifiers in code read as words, not as random characters.
    expect(found('new HTTPServerConfigurationV2Builder(); ThisIsAVeryLongPascalCaseName123 getUserAccountBalanceForMonth2024', ['SECRET'])).toEqual([]);
  });

  it('finds people, places and organisations with the NLP tagger', () => {
    const result = found('Yesterday John Smith flew from Paris to meet the board of Microsoft at 221 Baker Street.', ['PERSON', 'LOCATION', 'ORGANIZATION']);
    expect(result).toEqual([
      ['PERSON', 'John Smith'],
      ['LOCATION', 'Paris'],
      ['ORGANIZATION', 'Microsoft'],
      ['LOCATION', '221 Baker Street'],
    ]);
  });

  it('takes names outside the English lexicon as people, places after a place word, and companies by their ending', () => {
    const result = found('Yesterday Vidica Zakoč of Civis Analytics flew from NAANTALI to Awenne. My name is Kuba.', ['PERSON', 'LOCATION', 'ORGANIZATION']);
    expect(result).toEqual([
      ['PERSON', 'Vidica Zakoč'],
      ['ORGANIZATION', 'Civis Analytics'],
      ['LOCATION', 'NAANTALI'],
      ['LOCATION', 'Awenne'],
      ['PERSON', 'Kuba'],
    ]);
    // Capitalised common words are not a name.
    expect(found('See Entertainment Weekly and the Border Force report.', ['PERSON'])).toEqual([]);
  });

  it('takes a name as an organisation from what is said about it', () => {
    const text = 'I used to work for Futureadvisor. Josef Mališ of Importio said Betterlesson is a design agency, according to the Costquest website.';
    expect(found(text, ['ORGANIZATION', 'PERSON'])).toEqual([
      ['ORGANIZATION', 'Futureadvisor'],
      ['PERSON', 'Josef Mališ'],
      ['ORGANIZATION', 'Importio'],
      ['ORGANIZATION', 'Betterlesson'],
      ['ORGANIZATION', 'Costquest'],
    ]);
  });

  it('finds street addresses written the continental way', () => {
    expect(found('Send it to Rue de Tanger 29 or Hauptstraße 5, please.', ['LOCATION'])).toEqual([
      ['LOCATION', 'Rue de Tanger 29'],
      ['LOCATION', 'Hauptstraße 5'],
    ]);
  });

  it('finds address parts by their shape, and a street named after a person is not a person', () => {
    expect(found('She lives at 333 Golfskálinn 78, Borgarnes. Mail: PSC 0413, Box 8144 APO AA 42323, Apt. 595', ['LOCATION', 'PERSON'])).toEqual([
      ['LOCATION', '333 Golfskálinn 78, Borgarnes'],
      ['LOCATION', 'PSC 0413, Box 8144 APO AA 42323'],
      ['LOCATION', 'Apt. 595'],
    ]);
    expect(found('Send it to Augsburger Strasse 36 please', ['LOCATION', 'PERSON'])).toEqual([['LOCATION', 'Augsburger Strasse 36']]);
  });

  it('needs a cue for digits that are only two groups or none', () => {
    expect(found('We live at 3747 3911 Fourth Avenue, zip 90010-170', ['PHONE_NUMBER'])).toEqual([]);
    expect(found('my phone: 9469 9966, or call 2019481927', ['PHONE_NUMBER'])).toEqual([
      ['PHONE_NUMBER', '9469 9966'],
      ['PHONE_NUMBER', '2019481927'],
    ]);
    expect(found('On 2003-08-28 12:13:52 it was 0490 75 40 81', ['PHONE_NUMBER'])).toEqual([['PHONE_NUMBER', '0490 75 40 81']]);
    // Amounts, versions, coordinates and numbers named as something else are not phones.
    expect(found('We sold 12 345 678 units of 1.2.3.4567 at 48.8566 2.3522, order 123-456-789.', ['PHONE_NUMBER'])).toEqual([]);
  });

  it('resolves overlaps: the email wins over the name and the URL inside it', () => {
    expect(found('mail john@example.com', ['EMAIL_ADDRESS', 'URL', 'PERSON'])).toEqual([['EMAIL_ADDRESS', 'john@example.com']]);
    // Digits inside a URL are not a phone number, even when only phones are asked for.
    expect(found('https://example.com/2019481927', ['PHONE_NUMBER'])).toEqual([]);
  });
});
