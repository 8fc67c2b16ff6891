import type { KeyBinding } from '../components/key-bindings.js';

export type ProvisionAction = 'sudo-1' | 'sudo-2' | 'sudo-3' | 'http3' | 'start' | 'yes' | 'skip' | 'stop' | 'unlock' | 'backup' | 'quit';

/** Before the run: choose. During: each plan waits for y / s / q. After: the offers, then quit. */
export const provisionKeys: readonly KeyBinding<ProvisionAction>[] = [
  { keys: ['1'], action: 'sudo-1', hint: 'sudo nopasswd', description: 'before starting: the deploy user gets sudo without a password' },
  { keys: ['2'], action: 'sudo-2', hint: 'sudo password', description: 'before starting: the deploy user gets sudo with a password (asked, hidden)' },
  { keys: ['3'], action: 'sudo-3', hint: 'no sudo', description: 'before starting: no sudo for the deploy user' },
  { keys: ['h'], action: 'http3', hint: 'HTTP/3', description: 'before starting: also open 443/udp' },
  { keys: ['enter'], action: 'start', hint: 'start', description: 'connect and check the first step', primary: true },
  { keys: ['y'], action: 'yes', hint: 'apply', description: 'run the commands shown for this step, then verify', primary: true },
  { keys: ['s'], action: 'skip', hint: 'skip step', description: 'leave this step as it is and go on', primary: true },
  { keys: ['q'], action: 'stop', hint: 'stop', description: 'stop here (a later run resumes: done steps are detected)', primary: true },
  { keys: ['u'], action: 'unlock', hint: 'unlock check', description: 'after a successful run: run the remote-unlock setup check now' },
  { keys: ['b'], action: 'backup', hint: 'backup schedule', description: 'after a successful run: install the nightly backup schedule (needs backup settings)' },
  { keys: ['esc'], action: 'quit', hint: 'quit', description: 'leave the wizard (after the run, or before starting)', primary: true },
];

/** Which bindings apply in a phase, for the hint bar. */
export function provisionKeysFor(phase: 'choose' | 'connecting' | 'running' | 'asking' | 'finished'): readonly KeyBinding<ProvisionAction>[] {
  const by: Record<typeof phase, readonly ProvisionAction[]> = {
    choose: ['sudo-1', 'sudo-2', 'sudo-3', 'http3', 'start', 'quit'],
    connecting: [],
    running: [],
    asking: ['yes', 'skip', 'stop'],
    finished: ['unlock', 'backup', 'quit'],
  };
  return provisionKeys.filter((b) => by[phase].includes(b.action));
}
