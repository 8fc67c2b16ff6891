/**
 * Which published ports face the internet.
 *
 * On a single VPS only the proxy should listen publicly (80/443). A database published on
 * 0.0.0.0 is reachable from anywhere, and Docker's own iptables rules put it in front of ufw,
 * so the host firewall the operator set up does not help. Bindings to loopback are what a
 * compose file should use for anything else; private ranges (RFC 1918, Tailscale's CGNAT) are
 * taken as deliberate.
 */
import type { PortBinding } from '../docker/container.js';

export type ExposureKind =
  /** 0.0.0.0, :: or "" (which Docker treats as every interface). */
  | 'all-interfaces'
  /** A specific address that is neither loopback nor private: probably the server's public IP. */
  | 'public-address';

export interface PortWarning {
  binding: PortBinding;
  kind: ExposureKind;
  /** What usually listens on that port ("PostgreSQL"), or null. */
  likelyService: string | null;
  /** One line for the status line and `opsdeck status`. */
  message: string;
}

/** Ports a reverse proxy is meant to publish (udp/443 too: HTTP/3). */
export const PUBLIC_PORTS: ReadonlySet<number> = new Set([80, 443]);

const WELL_KNOWN: ReadonlyMap<number, string> = new Map([
  [21, 'FTP'], [22, 'SSH'], [23, 'Telnet'], [25, 'SMTP'], [53, 'DNS'], [111, 'rpcbind'], [445, 'SMB'],
  [1433, 'SQL Server'], [1521, 'Oracle'], [2181, 'ZooKeeper'], [2375, 'Docker API (unencrypted)'],
  [2376, 'Docker API'], [2379, 'etcd'], [3000, 'Grafana / Node app'], [3100, 'Loki'], [3306, 'MySQL/MariaDB'],
  [4222, 'NATS'], [5000, 'Docker registry'], [5432, 'PostgreSQL'], [5601, 'Kibana'], [5672, 'RabbitMQ'],
  [6333, 'Qdrant'], [6379, 'Redis'], [6432, 'PgBouncer'], [6543, 'PgBouncer'], [7474, 'Neo4j'],
  [7700, 'Meilisearch'], [8000, 'Coolify / app server'], [8080, 'HTTP admin / app'], [8086, 'InfluxDB'],
  [8108, 'Typesense'], [8200, 'Vault'], [8500, 'Consul'], [8983, 'Solr'], [9000, 'MinIO'],
  [9001, 'MinIO console'], [9042, 'Cassandra'], [9090, 'Prometheus'], [9092, 'Kafka'], [9093, 'Alertmanager'],
  [9100, 'node-exporter'], [9200, 'Elasticsearch'], [9300, 'Elasticsearch transport'], [11211, 'Memcached'],
  [15672, 'RabbitMQ management'], [26257, 'CockroachDB'], [27017, 'MongoDB'],
]);

export function likelyService(port: number): string | null {
  return WELL_KNOWN.get(port) ?? null;
}

/** Classify a binding's HostIp; null when it is fine (loopback or private). */
export function exposureOf(hostIp: string): ExposureKind | null {
  const ip = hostIp.trim().replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (ip === '' || ip === '0.0.0.0' || isAllZeroV6(ip)) return 'all-interfaces';
  if (isLoopback(ip) || isPrivate(ip)) return null;
  return 'public-address';
}

export function portWarning(b: PortBinding): PortWarning | null {
  const kind = exposureOf(b.hostIp);
  if (kind === null) return null;
  const hostPort = firstPort(b.hostPort);
  if (hostPort !== null && PUBLIC_PORTS.has(hostPort)) return null;
  // What the container listens on names the software; the host port may be remapped (15432:5432).
  const service = likelyService(b.containerPort) ?? (hostPort !== null ? likelyService(hostPort) : null);
  const where = kind === 'all-interfaces' ? `all interfaces (${b.hostIp === '' ? 'no address given' : b.hostIp})` : `public address ${b.hostIp}`;
  const published = b.hostPort === '' ? 'a random port' : `port ${b.hostPort}`;
  const what = `${b.containerPort}/${b.protocol}${service ? ` (${service})` : ''}`;
  return { binding: b, kind, likelyService: service, message: `${what} is published on ${published} on ${where}` };
}

export function portWarnings(bindings: readonly PortBinding[]): PortWarning[] {
  const out: PortWarning[] = [];
  for (const b of bindings) {
    const w = portWarning(b);
    if (w) out.push(w);
  }
  return out;
}

function firstPort(hostPort: string): number | null {
  const n = Number.parseInt(hostPort, 10);
  return Number.isFinite(n) ? n : null;
}

function isAllZeroV6(ip: string): boolean {
  return ip.includes(':') && /^[0:]+$/.test(ip);
}

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || ip === 'localhost' || /^(0+:){7}0*1$/.test(ip) || ip === '::ffff:127.0.0.1';
}

function isPrivate(ip: string): boolean {
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.\d+\.\d+$/.exec(ip);
  if (v4) {
    const a = Number(v4[1]);
    const b = Number(v4[2]);
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254);
  }
  // fc00::/7 unique local, fe80::/10 link local.
  return /^f[cd][0-9a-f]{0,2}:/.test(ip) || /^fe[89ab][0-9a-f]?:/.test(ip);
}
