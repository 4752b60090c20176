# A private PostgreSQL cluster for a test (source after tests/lib.sh).
# pg_start starts it in its own temp dir, on a Unix socket there only (no
# TCP port to clash with), and sets PG_CONNINFO (libpq) and PG_DIR;
# pg_stop stops it and removes the dir: call it from the test's EXIT trap,
# so that a failed test leaves no server behind. initdb refuses to run as
# root: as root, the server runs as the unprivileged "postgres" user.
: "${PG_BINDIR:?run through make check (configure finds PG_BINDIR)}"
PG_DIR=
PG_AS=

pg_start() {
	PG_DIR=$(mktemp -d /tmp/fwpack-pg-XXXXXX) || return 1
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres "$PG_DIR" && PG_AS="runuser -u postgres --"
	fi
	# shellcheck disable=SC2086
	$PG_AS "$PG_BINDIR/initdb" -D "$PG_DIR/data" -A trust -U fwpack >"$PG_DIR/initdb.log" 2>&1 &&
	# shellcheck disable=SC2086
	$PG_AS "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -o "-k $PG_DIR -c listen_addresses=''" \
		-l "$PG_DIR/log" -w -t 60 start >/dev/null || {
		echo "pg_start: the private cluster did not start:"
		cat "$PG_DIR/initdb.log" "$PG_DIR/log" 2>/dev/null | sed 's/^/    /'
		return 1
	}
	PG_CONNINFO="host=$PG_DIR user=fwpack dbname=postgres"
}

# pg_sql DB SQL: run SQL in database DB, print the rows unaligned ("|" between columns)
pg_sql() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_DIR" -U fwpack -d "$1" -c "$2"
}

# pg_createdb NAME: a fresh database; prints its conninfo
pg_createdb() {
	pg_sql postgres "CREATE DATABASE $1" >/dev/null && echo "host=$PG_DIR user=fwpack dbname=$1"
}

pg_stop() {
	if [ -n "$PG_DIR" ] && [ -d "$PG_DIR/data" ]; then
		# shellcheck disable=SC2086
		$PG_AS "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 60 stop >/dev/null 2>&1
	fi
	[ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
	PG_DIR=
}
