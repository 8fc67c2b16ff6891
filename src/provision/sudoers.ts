/**
 * The deploy user's sudo rights, as one file in /etc/sudoers.d checked with `visudo -cf` before
 * it is installed (a broken sudoers file locks sudo for everyone).
 */
export type SudoMode = 'nopasswd' | 'password' | 'none';

export const SUDO_MODES: readonly { mode: SudoMode; label: string; detail: string }[] = [
  { mode: 'nopasswd', label: 'sudo without a password', detail: 'what automation and opsdeck audit need (sudo -n); the SSH key is the only secret' },
  { mode: 'password', label: 'sudo with a password', detail: 'asks for the deploy password each time; opsdeck then cannot re-run provision or audit with root rights non-interactively' },
  { mode: 'none', label: 'no sudo', detail: 'the docker group is still root-equivalent; root work then needs the provider console' },
];

export function sudoersPath(user: string): string {
  return `/etc/sudoers.d/90-opsdeck-${user}`;
}

export function sudoersText(user: string, mode: SudoMode): string | null {
  if (mode === 'none') return null;
  return `# Written by opsdeck provision.\n${user} ALL=(ALL:ALL) ${mode === 'nopasswd' ? 'NOPASSWD: ' : ''}ALL\n`;
}
