// The containers the lab runs: what a small team's VPS looks like (modelled on the seed
// write-ups), with the failures opsdeck must show. Plain data; containers.ts makes it so.
//
// Three Compose projects (shop, monitoring, blog) labelled the way Compose v2 labels its
// containers, plus three containers started by hand (the "other" group). Each entry says what
// state it must reach (`expect`), and `roles` names the case it exists for, so tests can ask
// for "the crash-looping one" instead of hard-coding names.
import { createHash } from 'node:crypto';
import { POSTGRES_IMAGE, type BusyboxAlias } from './images.js';

export const COMPOSE_VERSION = '2.29.1';
/** web-1's Compose projects. The fleet servers have their own (fleetStacks below). */
export const PROJECTS = ['shop', 'monitoring', 'blog'] as const;
/** A Compose project name: web-1's three, `db` on db-1, `shop` again on staging-1. */
export type Project = string;

export type Role =
  | 'reverse-proxy'
  | 'database'
  | 'json-logs'
  | 'crash-loop'
  | 'unhealthy'
  | 'exited-nonzero'
  | 'stopped'
  | 'no-memory-limit'
  | 'db-port-exposed'
  | 'loopback-port'
  | 'one-off'
  | 'hostile-output'
  | 'no-compose-labels';

export type Expectation =
  | { state: 'running'; health: 'healthy' | 'unhealthy' | null }
  /** Exits non-zero within seconds and is restarted, again and again: RestartCount climbs. */
  | { state: 'crash-loop' }
  | { state: 'exited'; exitCode: number };

export interface HealthSpec {
  test: string[];
  intervalS: number;
  timeoutS: number;
  retries: number;
  startPeriodS: number;
}

export interface PortSpec {
  /** e.g. "6379/tcp" */
  container: string;
  /** "" is what Compose writes for `ports: ["80:80"]`: all interfaces, like 0.0.0.0. */
  hostIp: string;
  hostPort: string;
}

export interface ContainerSpec {
  name: string;
  project: Project | null;
  service: string | null;
  number: number;
  oneoff: boolean;
  /** A `docker compose run` container's slug (its name ends in the first 12 characters). */
  slug: string | null;
  image: BusyboxAlias | typeof POSTGRES_IMAGE;
  cmd: string[];
  env: Record<string, string>;
  /** Bytes; 0 means no limit. */
  memory: number;
  nanoCpus: number;
  restart: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  health: HealthSpec | null;
  ports: PortSpec[];
  /** Named volume mounts: volume name → path in the container. */
  volumes: Record<string, string>;
  /** Read-only bind mounts: host path → path in the container. */
  binds: Record<string, string>;
  dependsOn: string[];
  /** Started, then stopped by the lab: an operator's `docker stop`. */
  stopAfterStart: boolean;
  expect: Expectation;
  roles: Role[];
}

export interface StackParams {
  postgresPassword: string;
  /** Host dir holding the shop seed SQL, mounted at /docker-entrypoint-initdb.d. */
  postgresInitDir: string;
}

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const CPU = 1_000_000_000;

export const READY: HealthSpec = { test: ['CMD', 'test', '-f', '/tmp/ready'], intervalS: 10, timeoutS: 3, retries: 3, startPeriodS: 0 };
/** Where the busybox image keeps its behaviour scripts (images/busybox/lab/). */
export const BIN = '/lab';

export type Overrides = Partial<Omit<ContainerSpec, 'name' | 'project' | 'service' | 'number' | 'image'>>;

export function serviceEnv(name: string, style: string, every: number): Record<string, string> {
  return { LAB_SERVICE: name, LAB_LOG_STYLE: style, LAB_LOG_EVERY: String(every) };
}

/** A long-running busybox service with the defaults most services share. */
export function service(project: Project | null, svc: string, n: number, image: ContainerSpec['image'], more: Overrides): ContainerSpec {
  return {
    name: project ? `${project}-${svc}-${n}` : svc,
    project,
    service: project ? svc : null,
    number: n,
    oneoff: false,
    slug: null,
    image,
    cmd: ['/bin/sh', `${BIN}/service.sh`],
    env: serviceEnv(svc, 'text', 30),
    memory: 256 * MiB,
    nanoCpus: CPU / 2,
    restart: 'unless-stopped',
    health: READY,
    ports: [],
    volumes: {},
    binds: {},
    dependsOn: [],
    stopAfterStart: false,
    expect: { state: 'running', health: more.health === null ? null : 'healthy' },
    roles: [],
    ...more,
  };
}

/**
 * PostgreSQL 15 with the shop database, seeded from the lab's init dir. `volume` is the named
 * volume holding its data (Compose names it PROJECT_postgres_data).
 */
export function postgresService(project: Project, params: StackParams, opts: { volume: string; memory: number }): ContainerSpec {
  return service(project, 'postgres', 1, POSTGRES_IMAGE, {
    // The image's own entrypoint and CMD, as with the official image.
    cmd: [],
    env: { POSTGRES_USER: 'shop', POSTGRES_PASSWORD: params.postgresPassword, POSTGRES_DB: 'shop' },
    memory: opts.memory,
    nanoCpus: CPU,
    // TCP on the container's own loopback: the temporary init server listens on the unix
    // socket only, so the check turns healthy once the seed data is in, not before.
    health: { test: ['CMD-SHELL', 'pg_isready -h 127.0.0.1 -U shop -d shop'], intervalS: 5, timeoutS: 5, retries: 5, startPeriodS: 0 },
    volumes: { [opts.volume]: '/var/lib/postgresql/data' },
    binds: { [params.postgresInitDir]: '/docker-entrypoint-initdb.d' },
    roles: ['database'],
  });
}

/** Compose v2 names a `docker compose run` container PROJECT-SERVICE-run-<first 12 of its slug>. */
export const ONE_OFF_SLUG = createHash('sha256').update('opsdeck-lab one-off').digest('hex');

export function labStack(params: StackParams): ContainerSpec[] {
  const db = `postgresql://shop:${params.postgresPassword}@postgres:5432/shop`;
  const appEnv = {
    NODE_ENV: 'production',
    DATABASE_URL: db,
    REDIS_URL: 'redis://redis:6379/0',
    // Fake, but shaped like the real thing: the detail view must mask values like these.
    STRIPE_SECRET_KEY: 'sk_test_51OpsdeckLabNotARealKey000000000000000000',
  };
  const api = (n: number) =>
    service('shop', 'api', n, 'registry.example.com/shop/api:1.14.2', {
      cmd: ['/bin/sh', `${BIN}/api-logs.sh`],
      env: { ...appEnv, PORT: '3001', LOG_FORMAT: 'json', LAB_LOG_EVERY: '0.5' },
      memory: 512 * MiB,
      nanoCpus: CPU,
      dependsOn: ['postgres:service_healthy', 'redis:service_started'],
      roles: ['json-logs'],
    });
  const web = (n: number) =>
    service('shop', 'web', n, 'registry.example.com/shop/web:1.14.2', {
      env: { ...serviceEnv('web', 'access', 3), NODE_ENV: 'production', PORT: '3000', API_URL: 'http://api:3001' },
      memory: 512 * MiB,
      nanoCpus: CPU,
      dependsOn: ['api:service_healthy'],
    });
  const worker = (n: number) =>
    service('shop', 'worker', n, 'registry.example.com/shop/worker:1.14.2', {
      env: { ...serviceEnv('worker', 'json', 5), ...appEnv, QUEUE: 'default' },
      memory: 1 * GiB,
      nanoCpus: CPU,
      dependsOn: ['postgres:service_healthy', 'redis:service_started'],
    });

  return [
    // --- shop: the product (Caddy in front, web and API replicas, workers, data stores) ---
    postgresService('shop', params, { volume: 'shop_postgres_data', memory: 1 * GiB }),
    service('shop', 'redis', 1, 'redis:7.2.5-alpine', {
      env: serviceEnv('redis', 'text', 60),
      memory: 512 * MiB,
      // The classic mistake from the seeds: a database port published on every interface.
      ports: [{ container: '6379/tcp', hostIp: '0.0.0.0', hostPort: '6379' }],
      roles: ['db-port-exposed'],
    }),
    service('shop', 'caddy', 1, 'caddy:2.8.4', {
      env: serviceEnv('caddy', 'caddy', 5),
      ports: [
        { container: '80/tcp', hostIp: '', hostPort: '80' },
        { container: '443/tcp', hostIp: '', hostPort: '443' },
        { container: '443/udp', hostIp: '', hostPort: '443' },
      ],
      dependsOn: ['web:service_healthy', 'api:service_healthy'],
      roles: ['reverse-proxy'],
    }),
    web(1),
    web(2),
    api(1),
    api(2),
    worker(1),
    worker(2),
    service('shop', 'admin', 1, 'registry.example.com/shop/admin:1.14.2', {
      env: { ...serviceEnv('admin', 'access', 20), ...appEnv, PORT: '3002' },
      memory: 0,
      nanoCpus: 0,
      roles: ['no-memory-limit'],
    }),
    service('shop', 'search', 1, 'docker.elastic.co/elasticsearch/elasticsearch:8.14.3', {
      env: { ...serviceEnv('elasticsearch', 'text', 15), 'discovery.type': 'single-node' },
      memory: 2 * GiB,
      nanoCpus: CPU,
      // Nothing listens on 9200: the check fails with a real "Connection refused" in
      // Health.Log. It dials the container's own loopback; no packet leaves its namespace.
      // (Not wget: the static busybox's wget segfaults without glibc's NSS modules.)
      health: { test: ['CMD-SHELL', 'nc -w 2 127.0.0.1 9200 </dev/null'], intervalS: 3, timeoutS: 3, retries: 3, startPeriodS: 0 },
      expect: { state: 'running', health: 'unhealthy' },
      roles: ['unhealthy'],
    }),
    service('shop', 'minio', 1, 'minio/minio:RELEASE.2024-06-13T22-53-53Z', {
      env: { ...serviceEnv('minio', 'text', 60), MINIO_ROOT_USER: 'shop', MINIO_ROOT_PASSWORD: 'lab-minio-secret' },
      memory: 1 * GiB,
    }),
    service('shop', 'mailer', 1, 'registry.example.com/shop/mailer:1.14.2', {
      cmd: ['/bin/sh', `${BIN}/crash-loop.sh`],
      env: { LAB_SERVICE: 'mailer', SMTP_HOST: 'smtp.example.com' },
      restart: 'on-failure',
      health: null,
      expect: { state: 'crash-loop' },
      roles: ['crash-loop'],
    }),
    service('shop', 'migrate', 1, 'registry.example.com/shop/api:1.14.2', {
      cmd: ['/bin/sh', `${BIN}/failing-job.sh`],
      env: { ...appEnv, LAB_SERVICE: 'migrate', LAB_EXIT_CODE: '2' },
      restart: 'no',
      health: null,
      expect: { state: 'exited', exitCode: 2 },
      roles: ['exited-nonzero'],
    }),
    {
      ...service('shop', 'api', 1, 'registry.example.com/shop/api:1.14.2', {
        env: { ...serviceEnv('api', 'text', 300), ...appEnv },
        memory: 512 * MiB,
        nanoCpus: CPU,
        restart: 'no',
        health: null,
        roles: ['one-off'],
      }),
      name: `shop-api-run-${ONE_OFF_SLUG.slice(0, 12)}`,
      oneoff: true,
      slug: ONE_OFF_SLUG,
    },

    // --- monitoring: the Prometheus / Loki / Grafana stack from the seeds ---
    service('monitoring', 'prometheus', 1, 'prom/prometheus:v2.53.0', { env: serviceEnv('prometheus', 'text', 15), memory: 512 * MiB }),
    service('monitoring', 'grafana', 1, 'grafana/grafana:latest', {
      env: { ...serviceEnv('grafana', 'text', 30), GF_SECURITY_ADMIN_PASSWORD: 'lab-grafana-secret' },
      // Published on loopback only (reached through an SSH tunnel): the safe way.
      ports: [{ container: '3000/tcp', hostIp: '127.0.0.1', hostPort: '3000' }],
      roles: ['loopback-port'],
    }),
    service('monitoring', 'loki', 1, 'grafana/loki:3.1.0', { env: serviceEnv('loki', 'text', 20), memory: 512 * MiB }),
    service('monitoring', 'promtail', 1, 'grafana/promtail:3.1.0', { env: serviceEnv('promtail', 'text', 20), memory: 128 * MiB, nanoCpus: CPU / 5 }),
    service('monitoring', 'node-exporter', 1, 'prom/node-exporter:v1.8.1', { env: serviceEnv('node-exporter', 'text', 60), memory: 64 * MiB, nanoCpus: CPU / 10 }),
    service('monitoring', 'cadvisor', 1, 'gcr.io/cadvisor/cadvisor:v0.49.1', { env: serviceEnv('cadvisor', 'text', 60), memory: 256 * MiB, nanoCpus: (CPU * 3) / 10 }),
    service('monitoring', 'alertmanager', 1, 'prom/alertmanager:v0.27.0', {
      env: serviceEnv('alertmanager', 'text', 60),
      memory: 128 * MiB,
      nanoCpus: CPU / 5,
      stopAfterStart: true,
      expect: { state: 'exited', exitCode: 0 },
      roles: ['stopped'],
    }),

    // --- blog: a second, smaller app on the same box ---
    service('blog', 'ghost', 1, 'ghost:5.87-alpine', {
      env: { ...serviceEnv('ghost', 'access', 10), url: 'https://blog.example.com', database__client: 'mysql' },
      memory: 512 * MiB,
      ports: [{ container: '2368/tcp', hostIp: '127.0.0.1', hostPort: '2368' }],
      dependsOn: ['mysql:service_healthy'],
    }),
    service('blog', 'mysql', 1, 'mysql:8.0.38', {
      env: { ...serviceEnv('mysqld', 'text', 60), MYSQL_DATABASE: 'ghost', MYSQL_ROOT_PASSWORD: 'lab-mysql-secret' },
      memory: 1 * GiB,
    }),
    service('blog', 'backup', 1, 'busybox:1.36', { env: serviceEnv('backup', 'text', 120), memory: 64 * MiB, nanoCpus: CPU / 10, health: null }),

    // --- other: started by hand with `docker run`, no Compose labels ---
    service(null, 'watchtower', 1, 'containrrr/watchtower:1.7.1', {
      env: serviceEnv('watchtower', 'text', 60),
      memory: 0,
      nanoCpus: 0,
      health: null,
      roles: ['no-compose-labels'],
    }),
    service(null, 'nostalgic_hopper', 1, 'busybox:1.36', {
      env: serviceEnv('debug', 'text', 300),
      memory: 0,
      nanoCpus: 0,
      restart: 'no',
      health: null,
      roles: ['no-compose-labels'],
    }),
    service(null, 'hostile-tty', 1, 'busybox:1.36', {
      cmd: ['/bin/sh', `${BIN}/hostile-tty.sh`],
      env: { LAB_LOG_EVERY: '3' },
      memory: 64 * MiB,
      nanoCpus: CPU / 10,
      roles: ['hostile-output', 'no-compose-labels'],
    }),
  ];
}

/** db-1's Compose project, and the volume of its PostgreSQL data. */
export const DB_PROJECT = 'db';
export const DB_VOLUME = 'db_postgres_data';
export const DB_CONTAINER = 'db-postgres-1';

/**
 * db-1, the seeds' dedicated database VPS ("split PostgreSQL onto a dedicated VPS"): PostgreSQL
 * only, with the same shop database and seed as web-1's, and the memory a database box gives it.
 * Healthy by default: tests make their own faults.
 */
export function dbServerStack(params: StackParams): ContainerSpec[] {
  return [postgresService(DB_PROJECT, params, { volume: DB_VOLUME, memory: 2 * GiB })];
}

/**
 * staging-1, a staging copy of the shop (same Compose project name, as staging and production
 * run from one Compose file): a proxy, two web replicas, an API and a worker, all healthy, all
 * with memory limits, smaller than production's. Its database is elsewhere (not on this box).
 */
export function stagingStack(): ContainerSpec[] {
  const appEnv = {
    NODE_ENV: 'staging',
    DATABASE_URL: 'postgresql://shop@db.staging.example.com:5432/shop_staging',
    REDIS_URL: 'redis://redis.staging.example.com:6379/0',
    // Fake, shaped like the real thing: masked in the detail view like production's.
    STRIPE_SECRET_KEY: 'sk_test_51OpsdeckLabStagingNotARealKey0000000000000',
  };
  const web = (n: number) =>
    service('shop', 'web', n, 'registry.example.com/shop/web:1.14.2', {
      env: { ...serviceEnv('web', 'access', 10), NODE_ENV: 'staging', PORT: '3000', API_URL: 'http://api:3001' },
      memory: 256 * MiB,
      dependsOn: ['api:service_healthy'],
    });
  return [
    service('shop', 'proxy', 1, 'caddy:2.8.4', {
      env: serviceEnv('caddy', 'caddy', 10),
      memory: 128 * MiB,
      nanoCpus: CPU / 5,
      ports: [
        { container: '80/tcp', hostIp: '', hostPort: '80' },
        { container: '443/tcp', hostIp: '', hostPort: '443' },
      ],
      dependsOn: ['web:service_healthy', 'api:service_healthy'],
      roles: ['reverse-proxy'],
    }),
    web(1),
    web(2),
    service('shop', 'api', 1, 'registry.example.com/shop/api:1.14.2', {
      cmd: ['/bin/sh', `${BIN}/api-logs.sh`],
      env: { ...appEnv, PORT: '3001', LOG_FORMAT: 'json', LAB_LOG_EVERY: '2' },
      memory: 256 * MiB,
      roles: ['json-logs'],
    }),
    service('shop', 'worker', 1, 'registry.example.com/shop/worker:1.14.2', {
      env: { ...serviceEnv('worker', 'json', 10), ...appEnv, QUEUE: 'default' },
      memory: 512 * MiB,
    }),
  ];
}
