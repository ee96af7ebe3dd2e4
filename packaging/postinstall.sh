#!/bin/sh
# Runs after the .deb is installed: the system user the service runs as,
# and its state directory. The service is not started: edit
# /etc/nestegg/nestegg.conf first, then `systemctl enable --now nestegg`.
set -e
if ! getent passwd nestegg >/dev/null; then
	adduser --system --group --home /var/lib/nestegg --no-create-home nestegg
fi
install -d -o nestegg -g nestegg -m 0750 /var/lib/nestegg
chown root:nestegg /etc/nestegg/nestegg.env
chmod 0640 /etc/nestegg/nestegg.env
if command -v systemctl >/dev/null 2>&1; then
	systemctl daemon-reload || true
fi
