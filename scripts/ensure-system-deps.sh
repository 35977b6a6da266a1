#!/usr/bin/env bash
# Install (when missing) and start what the test suite needs from the system: PostgreSQL on 127.0.0.1:5432,
# and Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser of its own).
set -euo pipefail

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

need_apt=()
command -v pg_ctlcluster >/dev/null 2>&1 || need_apt+=(postgresql)
command -v pg_isready >/dev/null 2>&1 || need_apt+=(postgresql-client)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# ffprobe/ffmpeg: media metadata, poster frames, and the test videos (evidence app; scripts/ensure-media-tools.sh).
command -v ffprobe >/dev/null 2>&1 || need_apt+=(ffmpeg)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing system packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "starting PostgreSQL"
  for version in $(ls /etc/postgresql); do
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
  done
fi
pg_isready -h 127.0.0.1 -p 5432

# A stock Debian server asks for a password on 127.0.0.1; this machine's may trust local connections. When it
# asks, create a dedicated role that may create the test databases, and tell the Makefile its URL.
if ! psql "postgresql://postgres@127.0.0.1:5432/postgres" -tAc "select 1" >/dev/null 2>&1; then
  url="postgresql://quancheng:quancheng-test@127.0.0.1:5432/postgres"
  if ! psql "$url" -tAc "select 1" >/dev/null 2>&1; then
    echo "creating PostgreSQL role quancheng for the tests"
    as_postgres=(runuser -u postgres --)
    [ "$(id -u)" = "0" ] || as_postgres=(sudo -u postgres)
    "${as_postgres[@]}" psql -v ON_ERROR_STOP=1 -qc \
      "DO \$\$ BEGIN
         IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'quancheng') THEN
           CREATE ROLE quancheng LOGIN CREATEDB PASSWORD 'quancheng-test';
         ELSE
           ALTER ROLE quancheng LOGIN CREATEDB PASSWORD 'quancheng-test';
         END IF;
       END \$\$;"
  fi
  mkdir -p var
  echo "$url" > var/test-database-url
else
  rm -f var/test-database-url
fi
