#!/bin/sh
# The daemons run as the system user patronus, never as root.
set -e
if ! getent group patronus >/dev/null; then
	addgroup --system patronus >/dev/null
fi
install -d -m 0755 /var/lib/patronus
if ! getent passwd patronus >/dev/null; then
	adduser --system --ingroup patronus --home /var/lib/patronus --no-create-home \
		--shell /usr/sbin/nologin --gecos "Patronus SD-WAN" patronus >/dev/null
fi
install -d -o root -g patronus -m 0750 /etc/patronus
# The daemons read their configuration as the group patronus.
for f in /etc/patronus/controller.yaml /etc/patronus/edge.yaml.example; do
	[ -e "$f" ] && chgrp patronus "$f"
done
# Nothing is started or enabled: an edge needs its configuration first.
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null || true
fi
