#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
	systemctl stop patronus-edge.service patronus-controller.service >/dev/null 2>&1 || true
	systemctl disable patronus-edge.service patronus-controller.service >/dev/null 2>&1 || true
fi
