#!/usr/bin/env bash
# Make PostgreSQL 15 with pgvector available for the test suite, idempotently.
#
# On a Debian 12 machine with postgresql-15 installed this script:
#   1. starts the 15/main cluster if it is down and waits until it accepts connections;
#   2. if the `vector` extension is not available, installs postgresql-server-dev-15 and
#      builds pgvector from Debian's trixie source package (using a private apt lists
#      directory: the system's apt sources are never modified);
#   3. creates the test database (owner postgres) and CREATE EXTENSION vector in it.
# A second run only checks and is fast. Must run as root when something needs installing.
#
# Environment: PGHOST_TEST (127.0.0.1), PGPORT_TEST (5432), CAUSERIE_TEST_DB (causerie_test).
set -euo pipefail

host=${PGHOST_TEST:-127.0.0.1}
port=${PGPORT_TEST:-5432}
db=${CAUSERIE_TEST_DB:-causerie_test}
pg_version=15
cluster=main
pg_config=/usr/lib/postgresql/$pg_version/bin/pg_config

if [[ ! $db =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
	echo "postgres.sh: CAUSERIE_TEST_DB must be a plain identifier, got '$db'" >&2
	exit 2
fi

log() { echo "postgres.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

# psql_q DB SQL: run one query, unaligned tuples only.
psql_q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -h "$host" -p "$port" -U postgres -d "$1" -tAc "$2"; }

workdir=""
cleanup() { if [[ -n $workdir ]]; then rm -rf "$workdir"; fi; }
trap cleanup EXIT
buildlog=""

# quietly DESCRIPTION CMD...: run CMD with its output appended to the build log;
# print the log and fail if it fails.
quietly() {
	local what=$1; shift
	log "$what"
	echo "+ $*" >>"$buildlog"
	if ! "$@" >>"$buildlog" 2>&1; then
		log "error: $what failed; log follows"
		cat "$buildlog" >&2
		exit 1
	fi
}

# --- 1. the cluster -----------------------------------------------------------
if ! pg_isready -q -h "$host" -p "$port"; then
	if command -v pg_lsclusters >/dev/null &&
		pg_lsclusters --no-header "$pg_version" "$cluster" 2>/dev/null | awk '{exit ($4 == "online")}'; then
		log "starting cluster $pg_version/$cluster"
		pg_ctlcluster --skip-systemctl-redirect "$pg_version" "$cluster" start
	fi
	for _ in $(seq 1 60); do
		pg_isready -q -h "$host" -p "$port" && break
		sleep 0.5
	done
	pg_isready -q -h "$host" -p "$port" || die "PostgreSQL at $host:$port does not accept connections after 30 s"
fi

# --- 2. pgvector ---------------------------------------------------------------
vector_available() {
	[[ -n $(psql_q postgres "SELECT 1 FROM pg_available_extensions WHERE name='vector'") ]]
}

# mirror_uri: the system's own Debian mirror (not the security one).
mirror_uri() {
	local uri=""
	if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
		uri=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
	elif [[ -f /etc/apt/sources.list ]]; then
		# deb [options] URI suite components...
		uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { if ($i !~ /security/) { print $i; exit } else break } }' /etc/apt/sources.list)
	fi
	echo "${uri:-http://deb.debian.org/debian}"
}

install_server_dev() {
	if [[ $(dpkg-query -W -f='${Status}' "postgresql-server-dev-$pg_version" 2>/dev/null) == "install ok installed" ]] &&
		command -v make >/dev/null && command -v gcc >/dev/null; then
		return
	fi
	export DEBIAN_FRONTEND=noninteractive
	local pkgs=("postgresql-server-dev-$pg_version" make gcc)
	# apt-get update only when the package lists do not know the package yet, or when
	# installing from the existing lists fails (stale lists point to deleted files).
	# (no `| grep -q` here: with pipefail, grep's early exit would fail the pipeline)
	local policy
	policy=$(apt-cache policy "postgresql-server-dev-$pg_version" 2>/dev/null || true)
	if [[ $policy != *"Candidate: "[0-9]* ]]; then
		quietly "apt-get update" apt-get update
	fi
	log "installing ${pkgs[*]}"
	if ! apt-get install -y -q --no-install-recommends "${pkgs[@]}" >>"$buildlog" 2>&1; then
		quietly "apt-get update" apt-get update
		quietly "installing ${pkgs[*]} (retry)" apt-get install -y -q --no-install-recommends "${pkgs[@]}"
	fi
}

build_pgvector() {
	local uri src tarball
	uri=$(mirror_uri)
	mkdir -p "$workdir/lists/partial"
	chmod 755 "$workdir" # lets apt's _apt sandbox user write the download
	echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri trixie main" >"$workdir/sources.list"
	local o=(-o "Dir::State::Lists=$workdir/lists" -o "Dir::Etc::SourceList=$workdir/sources.list" -o "Dir::Etc::SourceParts=/dev/null")
	quietly "fetching trixie source index from $uri" apt-get "${o[@]}" update
	quietly "downloading the pgvector source package" \
		bash -c 'cd "$1" && shift && apt-get "$@" source --download-only pgvector' _ "$workdir" "${o[@]}"
	tarball=$(find "$workdir" -maxdepth 1 -name 'pgvector_*.orig.tar.*' ! -name '*.asc' | head -n1)
	[[ -n $tarball ]] || die "no pgvector orig tarball downloaded (see $uri trixie)"
	tar -xf "$tarball" -C "$workdir"
	src=$(find "$workdir" -maxdepth 1 -type d -name 'pgvector-*' | head -n1)
	[[ -n $src ]] || die "unexpected layout of $tarball"
	# OPTFLAGS= drops pgvector's default -march=native, as Debian's own build does.
	quietly "building $(basename "$src")" make -C "$src" -j"$(nproc)" PG_CONFIG="$pg_config" OPTFLAGS=
	quietly "installing $(basename "$src")" make -C "$src" PG_CONFIG="$pg_config" OPTFLAGS= install
}

if ! vector_available; then
	[[ $(id -u) -eq 0 ]] || die "pgvector is not installed and installing it needs root"
	workdir=$(mktemp -d)
	buildlog=$workdir/build.log
	install_server_dev
	build_pgvector
	vector_available || die "pgvector was built and installed but PostgreSQL does not list the vector extension"
fi

# --- 3. the test database ------------------------------------------------------
if [[ -z $(psql_q postgres "SELECT 1 FROM pg_database WHERE datname = '$db'") ]]; then
	log "creating database $db"
	psql_q postgres "CREATE DATABASE \"$db\" OWNER postgres" >/dev/null
fi
psql_q "$db" "CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public" >/dev/null
version=$(psql_q "$db" "SELECT extversion FROM pg_extension WHERE extname = 'vector'")

echo "postgres: ready at postgres://postgres@$host:$port/$db?sslmode=disable (pgvector $version)"
