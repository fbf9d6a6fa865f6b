#!/usr/bin/env bash
# PostgreSQL server programs for the DuckLake tests (tests/support/pgcluster.py runs initdb and postgres
# itself, in a temp folder on a loopback port: no system service is started or needed).
# Installs Debian's postgresql-15 when no initdb is found, as root only; otherwise does nothing
# (without the package the DuckLake tests skip, saying so; under CI they fail instead).
# The package's own "main" cluster is not created (create_main_cluster = false): nothing listens
# on 5432 afterwards.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "ensure_postgres: no initdb and not root: the DuckLake tests will skip" >&2
    exit 0
fi
mkdir -p /etc/postgresql-common
grep -qs "^create_main_cluster" /etc/postgresql-common/createcluster.conf \
    || echo "create_main_cluster = false" >> /etc/postgresql-common/createcluster.conf
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold \
    postgresql-15 >/dev/null
echo "ensure_postgres: installed $(ls -d /usr/lib/postgresql/*/bin)"
