/** Built-in runbook: reboot a LUKS-encrypted server and unlock its disks through Dropbear. */
export const rebootAndUnlock = `---
runbook: reboot-and-unlock
title: Reboot and unlock the disks
description: Reboot (by command, or from the provider's console for a hung server), wait for Dropbear in the initramfs, unlock, wait for sshd with the known host key, then the grid well.
params:
  reboot:
    description: How the server reboots - by command over SSH, or by a person from the provider's console (a hung server)
    enum: [command, console]
    default: command
  project:
    description: The Compose project whose services must be well at the end (empty - every project)
    pattern: '([a-z0-9][a-z0-9_-]*)?'
    default: ''
offer_on:
  - server-locked
setup: []
---

# Reboot and unlock the disks

A server with encrypted disks stops in its initramfs after a reboot and waits for the passphrase,
with Dropbear listening for it. Nothing runs until it is given: not sshd, not Docker, not the
sites. opsdeck unlock dials Dropbear, asks you for the passphrase with echo off, and waits until
sshd answers with the host key it already knows.

## Before the reboot

\`\`\`sh step=before kind=check timeout=20s when="reboot == 'command'"
echo "BOOT_ID=$(cat /proc/sys/kernel/random/boot_id)" >> "$OPSDECK_OUT"
uptime
\`\`\`

## Reboot

The command ends when the connection drops; that is expected.

\`\`\`sh step=reboot kind=act timeout=2m on_failure=continue when="reboot == 'command'"
sudo -n systemctl reboot || sudo -n reboot
sleep 110
\`\`\`

\`\`\`manual step=console kind=manual when="reboot == 'console'"
Reset the server from the provider's console (Hetzner: Cloud Console > Power > Reset, or Robot > Reset),
then acknowledge here. opsdeck then waits for its initramfs.
\`\`\`

## Unlock

Polled until the initramfs answers: while the server is still going down or booting, it is
unreachable. You are asked for the passphrase once Dropbear is there.

\`\`\`opsdeck step=unlock kind=wait interval=5s timeout=15m
unlock
\`\`\`

\`\`\`sh step=rebooted kind=check timeout=20s when="reboot == 'command'"
now=$(cat /proc/sys/kernel/random/boot_id)
[ "$now" != "$BOOT_ID" ] || { echo "the boot id did not change: the server did not reboot" >&2; exit 1; }
uptime
\`\`\`

## The grid well again

\`\`\`opsdeck step=grid kind=wait interval=5s timeout=5m when="project == ''"
status
\`\`\`

\`\`\`opsdeck step=project kind=wait interval=5s timeout=5m when="project != ''"
status --project \${project}
\`\`\`
`;
