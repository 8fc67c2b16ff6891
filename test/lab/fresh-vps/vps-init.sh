#!/bin/sh
# PID 1 of a fresh-VPS container (run with --init). There is no systemd and no sshd daemon:
# every SSH connection is `docker exec -i NAME /usr/sbin/sshd -i` (inetd mode), which reads the
# configuration anew each time, as a socket-activated sshd would.
set -e
mkdir -p /run/sshd
chmod 0755 /run/sshd
ssh-keygen -A >/dev/null
exec sleep infinity
