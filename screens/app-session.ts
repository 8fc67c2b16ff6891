import type { StatusLevel } from '../components/StatusBar.js';
import type { ExternalStore } from '../components/use-store.js';
import type { ConnectionSnapshot } from '../src/transport/connection-store.js';
import type { PromptSnapshot } from '../src/model/prompt-store.js';
import type { GridSnapshot } from '../src/model/grid-store.js';
import type { DrawnGrid } from '../src/terminal/ink/grid-painter.js';
import type { ServiceRow } from '../src/model/grouping.js';
import type { ActionResult, ServiceAction } from '../src/docker/service-actions.js';
import type { UnlockActions, UnlockStore } from '../src/unlock/unlock-store.js';
import type { UnlockCheckActions, UnlockCheckStore } from '../src/unlock/check/unlock-check-store.js';
import type { HostsActions, HostsStore } from '../src/model/hosts-store.js';
import type { AuditActions, AuditStore } from '../src/audit/audit-store.js';
import type { LogsFeature } from '../src/logs/logs-feature.js';
import type { BackupFeature } from '../src/backup/backup-feature.js';
import type { RunbookAccess } from '../src/runbook/run-store.js';
import type { DashboardView } from './Dashboard.js';


/** The App's contract with the session that feeds it, and the names of its screens and overlays. */
/** What the App reads of a session (src/model/session-store.ts provides it). */
export type AppSessionSnapshot =
  | { phase: 'connecting'; label: string; step: string | undefined }
  | { phase: 'ready'; label: string; connection: ExternalStore<ConnectionSnapshot>; grid: ExternalStore<GridSnapshot> }
  | { phase: 'failed'; label: string; message: string; hint: string | undefined; locked?: string | undefined };

/** What the App needs from a session: its snapshot, the prompts, and the actions. */
export interface AppSession extends ExternalStore<AppSessionSnapshot> {
  prompts: ExternalStore<PromptSnapshot> & { answer(id: number, value: boolean | Buffer | null): void };
  readonly: boolean;
  /** The colour the server's name is drawn in (src/render/server-colour.ts's decision); none when unset. */
  serverColour?: string | undefined;
  /** A production profile: destructive actions ask for the server's name to be typed. */
  production?: boolean;
  retry(): void;
  act(action: ServiceAction, row: ServiceRow, containerId?: string): Promise<ActionResult>;
  recreateCommand(row: ServiceRow): string;
  openUnlock?(): Promise<{ store: UnlockStore; actions: UnlockActions }>;
  openUnlockCheck?(): Promise<{ store: UnlockCheckStore; actions: UnlockCheckActions }>;
  openHosts?(): Promise<{ store: HostsStore; actions: HostsActions }>;
  openAudit?(): Promise<{ store: AuditStore; actions: AuditActions }>;
  openLogs?(words: readonly string[]): Promise<LogsFeature>;
  openBackups?(): Promise<BackupFeature>;
  loadRunbooks?: RunbookAccess['loadRunbooks'];
  startRunbook?: RunbookAccess['startRunbook'];
}

/** A feature screen opened over the grid (or over the failed panel, for an unlock). */
export type Overlay =
  | { kind: 'unlock'; store: UnlockStore; actions: UnlockActions }
  | { kind: 'unlock-check'; store: UnlockCheckStore; actions: UnlockCheckActions }
  | { kind: 'hosts'; store: HostsStore; actions: HostsActions }
  | { kind: 'audit'; store: AuditStore; actions: AuditActions }
  | ({ kind: 'logs' } & LogsFeature)
  | { kind: 'backups'; feature: BackupFeature };

/** Work that must leave Ink for a while (an interactive shell); the ui command does it and comes back. */
export type HandOver = { kind: 'shell'; containerId: string; label: string } | { kind: 'switch'; host: string } | { kind: 'fleet' };

export interface AppProps {
  session: AppSession;
  color: boolean;
  /** Called once when the user quits, before Ink unmounts. */
  onQuit?: () => void;
  onHandOver?: (req: HandOver) => void;
  /** A line to show at start (e.g. the result of a shell that just ended). */
  initialStatus?: { text: string; level: StatusLevel } | undefined;
  /** Re-read "now" for ages and uptimes; tests pass a fixed clock. */
  now?: () => number;
  /** Redraws the grid's changed rows in place between renders (src/terminal/ink/grid-painter.ts); without it, every change is a render. */
  painter?: GridPainting | undefined;
  /** Set when this grid was opened from the fleet view: esc and :fleet go back, :host NAME switches. */
  fleet?: FleetNav | undefined;
  /** Where the grid starts (a faulted service picked in the fleet view). */
  initialView?: DashboardView | undefined;
}

/** How a server's grid reaches back into the fleet it was opened from. */
export interface FleetNav {
  back(): void;
  /** Open another fleet server's grid; false when there is no such server. */
  open(name: string): boolean;
  readonly names: readonly string[];
}

/** What the screens need of the grid's painter. */
export interface GridPainting {
  show(drawn: DrawnGrid | undefined): void;
  /** True when the snapshot is on screen without a render. */
  paint(snap: GridSnapshot): boolean;
}

export type Screen = { name: 'dashboard' } | { name: 'detail'; key: string } | { name: 'help'; back: Screen };
