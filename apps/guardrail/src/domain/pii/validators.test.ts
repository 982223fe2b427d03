import { describe, expect, it } from 'vitest';
import { ibanValid, luhnValid, shannonEntropy, ssnValid } from './validators.ts';

describe('validators', () => {
  it('Luhn accepts valid card numbers and refuses a changed digit', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('340376792748116')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('41111a1111111111')).toBe(false);
  });

  it('IBAN needs the country length and mod-97', () => {
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('de89370400440532013000')).toBe(true);
    expect(ibanValid('DE89370400440532013001')).toBe(false);
    expect(ibanValid('DE8937040044053201300')).toBe(false);
    expect(ibanValid('ZZ89370400440532013000')).toBe(false);
  });

  it('SSN refuses area 000, 666 and 9xx, group 00, serial 0000 and repeated digits', () => {
    expect(ssnValid('123', '45', '6789')).toBe(true);
    for (const [area, group, serial] of [
      ['000', '12', '3456'],
      ['666', '12', '3456'],
      ['912', '12', '3456'],
      ['123', '00', '3456'],
      ['123', '45', '0000'],
      ['111', '11', '1111'],
    ] as const) {
      expect(ssnValid(area, group, serial)).toBe(false);
    }
  });

  it('entropy is higher for random text', () => {
    expect(shannonEntropy('aaaaaaaa')).toBe(0);
    expect(shannonEntropy('Zq8rT2vLx9Kp4mWn')).toBeGreaterThan(3.5);
  });
});
