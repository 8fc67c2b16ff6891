import { describe, expect, it } from 'vitest';
import { isProduction, serverColour } from '../../src/render/server-colour.js';

describe('serverColour', () => {
  it("is the profile's own colour when it has one, production or not", () => {
    expect(serverColour({ colour: 'cyan' })).toBe('cyan');
    expect(serverColour({ colour: 'greenBright', environment: 'production' })).toBe('greenBright');
  });
  it('is red for a production profile without a colour', () => {
    expect(serverColour({ environment: 'production' })).toBe('red');
  });
  it('is none for anything else', () => {
    expect(serverColour(undefined)).toBeUndefined();
    expect(serverColour({})).toBeUndefined();
    expect(serverColour({ environment: 'staging' })).toBeUndefined();
    // The word is matched as runbooks match it: exactly.
    expect(serverColour({ environment: 'production-eu' })).toBeUndefined();
  });
});

describe('isProduction', () => {
  it('is true only for environment production', () => {
    expect(isProduction({ environment: 'production' })).toBe(true);
    expect(isProduction({ environment: 'staging' })).toBe(false);
    expect(isProduction(undefined)).toBe(false);
  });
});
