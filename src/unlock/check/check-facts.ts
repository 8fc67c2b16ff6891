/**
 * What `unlock check` collected from the server, as plain data: the gatherer fills it over the
 * normal connection, the evaluator judges it, the tests build it by hand. Text in here is raw
 * server output; the evaluator sanitises what it quotes.
 */

export type RemoteText =
  | { status: 'ok'; text: string; mtime?: number }
  | { status: 'missing' }
  /** Not readable by the login user, and no root (sudo -n) to read it with. */
  | { status: 'denied' }
  | { status: 'error'; detail: string };

export type HostKeyFact =
  | { file: string; status: 'ok'; keyType: string; blob: Buffer }
  | { file: string; status: 'denied' | 'error'; detail: string };

export interface CheckFacts {
  /** The login user, and how root-only files were read. */
  user: string;
  privileged: 'root' | 'sudo' | 'none';
  dpkg: { status: 'installed'; version: string } | { status: 'not-installed' } | { status: 'unknown'; detail: string };
  /** The directory holding the initramfs's Dropbear config (profile, or the first of the Debian paths that exists). */
  configDir: { path: string; exists: boolean; fromProfile: boolean };
  /** dropbear.conf (Debian 12+, Ubuntu 22.04+) or config (older); undefined when neither exists. */
  config: { path: string; read: RemoteText } | undefined;
  authorizedKeys: { path: string; read: RemoteText };
  hostKeys: HostKeyFact[];
  /** Listing the config dir for dropbear_*_host_key files. */
  hostKeyListing: 'ok' | 'missing' | 'denied';
  image: {
    path: string;
    status: 'ok' | 'missing' | 'denied' | 'no-tool' | 'error';
    mtime?: number;
    listing?: string[];
    detail?: string;
  };
  network: {
    /** /proc/cmdline of the running kernel. */
    cmdline: string | undefined;
    /** IP= / DEVICE= from initramfs.conf and conf.d, in reading order. */
    assignments: { file: string; name: string; value: string }[];
    /** GRUB_CMDLINE_LINUX and _DEFAULT from /etc/default/grub, joined. */
    grubCmdline: string | undefined;
  };
  updateInitramfs: boolean;
}
