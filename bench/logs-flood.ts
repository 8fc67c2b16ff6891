/**
 * A log flood for the log benchmarks: a busybox container in the lab's dockerd that writes JSON
 * lines (the API's shape) at a set rate, or a fixed number as fast as it can, labelled as the
 * Compose service opsdeck-bench/flood so `opsdeck logs flood` finds it. Removed by the caller.
 */
import type Docker from 'dockerode';

// Paced by /proc/uptime (busybox awk has no sub-second clock): every 200 lines it sleeps off
// whatever it is ahead of RATE lines a second.
const SCRIPT = `sleep "\${DELAY:-0}"; awk 'BEGIN {
  rate = ENVIRON["RATE"] + 0; total = ENVIRON["TOTAL"] + 0
  getline up < "/proc/uptime"; close("/proc/uptime"); split(up, a, " "); t0 = a[1]
  for (i = 0; total == 0 || i < total; i++) {
    printf "{\\"time\\":\\"2026-11-22T18:00:00Z\\",\\"level\\":\\"%s\\",\\"event\\":\\"flood\\",\\"request_id\\":\\"r%08d\\",\\"msg\\":\\"flood line %d of the benchmark\\"}\\n", (i % 100 == 0 ? "error" : "info"), i, i
    if (rate > 0 && i % 200 == 199) {
      fflush()
      getline up < "/proc/uptime"; close("/proc/uptime"); split(up, a, " ")
      ahead = (i + 1) / rate - (a[1] - t0)
      if (ahead > 0.002) system("usleep " int(ahead * 1000000))
    }
  }
  fflush()
}'; sleep 3600`;

export interface Flood {
  id: string;
  name: string;
  remove(): Promise<void>;
}

/** `delayS`: seconds before the first line (so a reader can start on an empty log). */
export async function startFlood(docker: Docker, opts: { name: string; rate: number; total?: number; delayS?: number }): Promise<Flood> {
  await docker
    .getContainer(opts.name)
    .remove({ force: true })
    .catch(() => undefined);
  const c = await docker.createContainer({
    name: opts.name,
    Image: 'busybox:1.36',
    Cmd: ['/bin/sh', '-c', SCRIPT],
    Env: [`RATE=${opts.rate}`, `TOTAL=${opts.total ?? 0}`, `DELAY=${opts.delayS ?? 0}`],
    Labels: {
      'com.docker.compose.project': 'opsdeck-bench',
      'com.docker.compose.service': 'flood',
      'com.docker.compose.container-number': '1',
      'com.docker.compose.oneoff': 'False',
    },
    HostConfig: { NetworkMode: 'none', LogConfig: { Type: 'json-file', Config: { 'max-size': '200m', 'max-file': '2' } } },
  });
  await c.start();
  return {
    id: c.id,
    name: opts.name,
    remove: async () => {
      await c.remove({ force: true }).catch(() => undefined);
    },
  };
}
