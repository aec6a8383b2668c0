#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: its own data directory inside DIR, its own
# port on 127.0.0.1, run as a non-root user, and stopped at the end. Nothing else on the
# machine is touched: no system cluster is created, started or configured.
#
#   cluster.sh start DIR   start the cluster in DIR (created on the first start, reused
#                          after a stop, on the same port); prints its connection URL,
#                          which DIR/url also holds
#   cluster.sh stop DIR    stop it (idempotent)
#   cluster.sh url DIR     print the connection URL of a started cluster
#
# The Debian `postgresql` package is installed (by package name, as root or through sudo)
# when `initdb`/`pg_ctl` are found neither on PATH nor under /usr/lib/postgresql/*/bin.
# When run as root, the server runs as AUTHCORE_PG_USER (default `nobody`) through runuser:
# PostgreSQL refuses to run as root.
#
# The cluster trusts every connection to 127.0.0.1 (no password): it holds test data only
# and lives as long as the test that started it.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop|url DIR" >&2
  exit 2
}

[ $# -eq 2 ] || usage
command=$1
dir=$2
[ -n "$dir" ] || usage

# Bounds of every wait below: readiness polls (count x 0.1 s) and port attempts.
readonly READY_POLLS=300
readonly PORT_ATTEMPTS=10
readonly DB_USER=authcore

log() { printf 'cluster.sh: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

# The newest PostgreSQL server binaries: PATH first, then Debian's versioned directories.
find_bin_dir() {
  local pg_ctl
  if pg_ctl=$(command -v pg_ctl) && command -v initdb >/dev/null; then
    dirname "$(readlink -f "$pg_ctl")"
    return 0
  fi
  # Debian installs each major version under /usr/lib/postgresql/N/bin: the highest wins.
  local candidate found=""
  for candidate in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k4 -n); do
    if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
      found=$candidate
    fi
  done
  [ -n "$found" ] || return 1
  printf '%s\n' "$found"
}

install_postgres() {
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "PostgreSQL is missing and installing it needs root or sudo"
    sudo=(sudo -n)
  fi
  log "installing the Debian postgresql package"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends postgresql >&2
}

bin_dir() {
  local found
  if found=$(find_bin_dir) && [ -n "$found" ]; then
    printf '%s\n' "$found"
    return 0
  fi
  install_postgres
  found=$(find_bin_dir) || die "no initdb/pg_ctl after installing postgresql"
  printf '%s\n' "$found"
}

# Runs a command as the cluster's owner: the caller, or AUTHCORE_PG_USER when the caller is
# root.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    "$(runuser_path)" -u "$(owner)" -- "$@"
  else
    "$@"
  fi
}

owner() {
  if [ "$(id -u)" -eq 0 ]; then
    printf '%s\n' "${AUTHCORE_PG_USER:-nobody}"
  else
    id -un
  fi
}

# runuser (util-linux) lives in an sbin directory that a minimal PATH may lack.
runuser_path() {
  local candidate
  for candidate in "$(command -v runuser || true)" /usr/sbin/runuser /sbin/runuser; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  die "runuser is missing: it runs the cluster as a non-root user"
}

# A port nothing listens on now (a race with other processes is caught by the start retry).
pick_port() {
  local port attempt
  for attempt in $(seq 1 50); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  die "no free port found in $attempt attempts"
}

is_running() {
  [ -f "$dir/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

wait_ready() {
  local port=$1 poll
  for poll in $(seq 1 "$READY_POLLS"); do
    if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U "$DB_USER" -d postgres; then
      return 0
    fi
    sleep 0.1
  done
  log "not ready after $poll polls"
  return 1
}

start() {
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" -eq 0 ]; then
    chown "$(owner)" "$dir"
  fi
  chmod 700 "$dir"
  as_owner test -w "$dir" ||
    die "$dir is not reachable by $(owner): its parent directories must be searchable"
  cd "$dir"
  if is_running; then
    cat "$dir/url"
    return 0
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$dir/data" -U "$DB_USER" -A trust -E UTF8 --locale=C \
      --no-sync >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      die "initdb failed"
    }
  fi
  # A restart keeps its port, so a store's URL stays valid across a stop and a start.
  local fixed_port="" port attempt
  if [ -f "$dir/port" ]; then
    fixed_port=$(cat "$dir/port")
  fi
  for attempt in $(seq 1 "$PORT_ATTEMPTS"); do
    port=${fixed_port:-$(pick_port)}
    # No Unix socket (the cluster is reached over 127.0.0.1 only); fsync off: test data
    # need not survive a machine crash, only a clean stop.
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off" \
      start >/dev/null; then
      wait_ready "$port" || {
        tail -n 20 "$dir/postgres.log" >&2
        die "the cluster did not become ready"
      }
      printf '%s\n' "$port" >"$dir/port"
      printf 'postgres://%s@127.0.0.1:%s/postgres\n' "$DB_USER" "$port" >"$dir/url"
      cat "$dir/url"
      return 0
    fi
    if [ -n "$fixed_port" ]; then
      tail -n 20 "$dir/postgres.log" >&2
      die "the cluster did not start again on port $fixed_port"
    fi
    log "start on port $port failed (attempt $attempt), trying another port"
  done
  tail -n 20 "$dir/postgres.log" >&2
  die "the cluster did not start in $PORT_ATTEMPTS attempts"
}

stop() {
  [ -d "$dir/data" ] || return 0
  cd "$dir"
  if is_running; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null ||
      as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 60 stop >/dev/null
  fi
}

case "$command" in
start)
  bin=$(bin_dir)
  start
  ;;
stop)
  bin=$(bin_dir)
  stop
  ;;
url)
  [ -f "$dir/url" ] || die "no cluster started in $dir"
  cat "$dir/url"
  ;;
*) usage ;;
esac
