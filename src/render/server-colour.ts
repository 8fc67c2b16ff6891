/**
 * What colour a server's name is drawn in, decided in one place so that the top bar, the Hosts
 * list and the fleet view never disagree about which server looks like production.
 */
import type { ProfileBody, ProfileColour } from '../config/profile-schema.js';

type Marked = Pick<ProfileBody, 'colour' | 'environment'>;

/**
 * The profile's own colour when it has one; else red for production, so that a production server
 * whose profile was never given a colour still stands out; else none (the terminal's own colour).
 */
export function serverColour(profile: Marked | undefined): ProfileColour | undefined {
  if (!profile) return undefined;
  if (profile.colour) return profile.colour;
  return isProduction(profile) ? 'red' : undefined;
}

/** Destructive actions on such a server ask for its name to be typed, not just a yes. */
export function isProduction(profile: Marked | undefined): boolean {
  return profile?.environment === 'production';
}
