# Sourced by make: exports TEST_DATABASE_URL, starting a private PostgreSQL cluster on a free
# port when none answers at the one given (default 127.0.0.1:5432), and installing Debian's
# postgresql first when it is missing. The cluster stops with the shell.
TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
pg_host_port=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(p.hostname or "127.0.0.1", p.port or 5432)' "$TEST_DATABASE_URL")
if pg_isready -q -h ${pg_host_port% *} -p ${pg_host_port#* } 2>/dev/null; then
    export TEST_DATABASE_URL
else
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    if [ -z "$pg_bin" ]; then
        echo "installing Debian's postgresql for the tests"
        if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
        pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    fi
    pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    pg_dir=$(mktemp -d)
    # initdb refuses to run as root: the cluster belongs to the postgres user then.
    if [ "$(id -u)" -eq 0 ]; then as_owner="runuser -u postgres --"; chown postgres "$pg_dir"; else as_owner=""; fi
    $as_owner "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust >/dev/null
    $as_owner "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
        -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    on_exit="${on_exit:-}$as_owner '$pg_bin/pg_ctl' -D '$pg_dir/data' -m fast stop >/dev/null 2>&1;"
    trap 'eval "$on_exit"' EXIT
    export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
    echo "started PostgreSQL for the tests at $TEST_DATABASE_URL"
fi
