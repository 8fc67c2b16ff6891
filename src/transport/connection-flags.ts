/** What the operator said about where the server is; the CLI's option table (cli/connection-options.ts) fills it. */
export interface ConnectionFlags {
  host?: string;
  'ssh-config'?: string;
  socket?: string;
  local?: boolean;
  'accept-new'?: boolean;
  config?: string;
  /** Every saved profile in this group: a fleet (status and the TUI only; cli/connection-options.ts fleetOptions). */
  group?: string;
}
