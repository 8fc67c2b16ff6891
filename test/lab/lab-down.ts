// `lab down`: remove the lab's containers and stop the daemons it started (web-1's dockerd,
// sshd and dropbear; each fleet server's dockerd and sshd), each found through its own pid file.
// Images, keys and (unless --volumes) the database volumes stay, so the next `up` is quick.
import Docker from 'dockerode';
import { removeLabContainers, VOLUME_LABEL } from './containers.js';
import { dockerdPid, stopDockerd } from './dockerd.js';
import { dropbearPid, stopDropbear } from './dropbear.js';
import { acquireLabLock } from './lab-lock.js';
import type { Log } from './lab-up.js';
import { labPaths } from './paths.js';
import { requireRootOnDebian } from './preflight.js';
import { sshdPid, stopSshd } from './sshd.js';
import { FLEET_SERVERS } from './fleet.js';
import { downFleetServer } from './fleet-up.js';

export async function labDown(log: Log, opts: { volumes?: boolean } = {}): Promise<void> {
  requireRootOnDebian();
  const paths = labPaths();
  const release = acquireLabLock(paths.lockFile);
  try {
    // The fleet servers go down beside web-1, each through its own pid files.
    const fleet = Promise.allSettled(FLEET_SERVERS.map((def) => downFleetServer(paths, def, log, opts)));
    const main = (async () => {
      if (dockerdPid(paths, log) !== null) {
        const docker = new Docker({ socketPath: paths.dockerSocket });
        const { removed, others } = await removeLabContainers(docker);
        log(`removed ${removed} lab containers${others ? `; left ${others} containers the lab did not make` : ''}`);
        if (opts.volumes) {
          const { Volumes } = await docker.listVolumes({ filters: { label: [VOLUME_LABEL] } });
          for (const volume of Volumes ?? []) await docker.getVolume(volume.Name).remove();
          log(`removed ${Volumes?.length ?? 0} lab volumes`);
        }
        await stopDockerd(paths);
        log('stopped dockerd');
      }
      if (sshdPid(paths, log) !== null) {
        await stopSshd(paths, { dropSessions: true });
        log('stopped sshd');
      }
      if (dropbearPid(paths, log) !== null) {
        await stopDropbear(paths);
        log('stopped dropbear');
      }
    })();
    const results = [...(await fleet), ...(await Promise.allSettled([main]))];
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    release();
  }
}
