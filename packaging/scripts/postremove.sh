#!/bin/sh
# The state (CA, keys, databases) in /var/lib/patronus and the user stay, also
# on purge: a CA or a site identity lost by accident cannot be recovered.
set -e
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null || true
fi
