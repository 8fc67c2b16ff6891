/**
 * Reading a captured terminal of the fleet view (screens/Fleet.tsx, src/render/fleet-lines.ts):
 * the title counts the connected servers; each server's line has its name under SERVER, its
 * state under STATE, then FAULTS, LOAD, MEM and DISK (`—` until its first grid). Columns are
 * found from the header line, as the state column's width follows its content.
 */

export interface ServerProgress {
  name: string;
  onScreen: boolean;
  connected: boolean;
  /** Its first grid arrived: FAULTS is a number. */
  loaded: boolean;
  /** FAULTS, LOAD, MEM and DISK all show a figure. */
  figures: boolean;
  cells: string[];
}

export interface FleetProgress {
  painted: boolean;
  /** The title says every server is connected. */
  allConnected: boolean;
  /** …and every server line shows a connected state and all its figures. */
  complete: boolean;
  servers: ServerProgress[];
  stale: boolean;
}

export function fleetProgress(screen: string, names: readonly string[], group: string): FleetProgress {
  const lines = screen.split('\n');
  const n = names.length;
  const title = lines.find((l) => l.startsWith('opsdeck · fleet')) ?? '';
  const allConnected = title.includes(`fleet ${group} · ${n} servers · ${n} connected`);
  // Column positions from the header (the state column's width follows its content):
  // SERVER, STATE left-aligned; FAULTS, LOAD, MEM, DISK right-aligned; then BACKUP/RPO.
  const headerAt = lines.findIndex((l) => /^SERVER\s+STATE\s+FAULTS/.test(l));
  const header = headerAt < 0 ? '' : lines[headerAt]!;
  const at = { state: header.indexOf('STATE'), faults: header.indexOf('FAULTS'), backup: header.indexOf('BACKUP') };
  const body = headerAt < 0 ? [] : lines.slice(headerAt + 1);
  const servers = names.map((name): ServerProgress => {
    const line = headerAt < 0 ? undefined : body.find((l) => l.slice(0, at.state).trim() === name);
    if (!line) return { name, onScreen: false, connected: false, loaded: false, figures: false, cells: [] };
    const state = line.slice(at.state, at.faults).trim();
    const cells = line.slice(at.faults, at.backup < 0 ? undefined : at.backup).trim().split(/\s+/).slice(0, 4);
    const loaded = /^\d+$/.test(cells[0] ?? '');
    return {
      name,
      onScreen: true,
      connected: /^connected\b/.test(state),
      loaded,
      figures: loaded && cells.length === 4 && cells.every((c) => c !== '—' && c !== ''),
      cells,
    };
  });
  return {
    painted: title !== '',
    allConnected,
    complete: allConnected && servers.every((s) => s.connected && s.figures),
    servers,
    stale: /stale since/.test(screen),
  };
}

export function describeProgress(p: FleetProgress): string {
  return p.servers.map((s) => `${s.name}: ${!s.onScreen ? 'not on screen' : `${s.connected ? 'connected' : 'not connected'}, figures ${s.cells.join(' ') || 'none'}`}`).join('; ');
}

/**
 * `docker stats -a`'s table in a pane: rows with a CPU percentage. (Rows whose stream failed
 * show "--": against a default sshd, the CLI's one SSH connection per container runs into
 * MaxStartups and some are dropped.)
 */
export function dockerStatsRowsWithFigures(screen: string): number {
  return screen.split('\n').filter((l) => /^[0-9a-f]{12}\s+\S+\s+\d+(?:\.\d+)?%\s/.test(l)).length;
}
