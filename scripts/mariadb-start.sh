#!/usr/bin/env bash
# Installs (if missing) and starts a local MariaDB for the test suite, then creates its database and user.
# Prints the TEST_DATABASE_URL to use. Needs root (as on CI and the development machines); no init system required.
set -euo pipefail

DB_NAME="${DB_NAME:-aurareels_test}"
DB_USER="${DB_USER:-aurareels}"
DB_PASS="${DB_PASS:-aurareels}"
PORT="${DB_PORT:-3306}"

if ! command -v mariadbd >/dev/null 2>&1; then
  echo "mariadb-start: installing mariadb-server from Debian's packages" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null
fi

if ! mariadb -e 'select 1' >/dev/null 2>&1; then
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
  if [ ! -d /var/lib/mysql/mysql ]; then
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
  fi
  echo "mariadb-start: starting mariadbd on 127.0.0.1:${PORT}" >&2
  setsid nohup mariadbd --user=mysql --datadir=/var/lib/mysql --socket=/run/mysqld/mysqld.sock \
    --port="${PORT}" --bind-address=127.0.0.1 --max-connections=500 >/tmp/mariadbd.log 2>&1 < /dev/null &
  for _ in $(seq 1 60); do
    mariadb -e 'select 1' >/dev/null 2>&1 && break
    sleep 1
  done
  mariadb -e 'select 1' >/dev/null || { echo "mariadb-start: server did not come up; see /tmp/mariadbd.log" >&2; exit 1; }
fi

mariadb <<SQL
CREATE DATABASE IF NOT EXISTS \`${DB_NAME}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '${DB_USER}'@'127.0.0.1' IDENTIFIED BY '${DB_PASS}';
GRANT ALL PRIVILEGES ON \`${DB_NAME}\`.* TO '${DB_USER}'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL
echo "mysql://${DB_USER}:${DB_PASS}@127.0.0.1:${PORT}/${DB_NAME}"
