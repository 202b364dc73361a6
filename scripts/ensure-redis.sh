# Sourced by make: exports TEST_REDIS_URL, starting a private redis-server on a free port
# when none answers at 127.0.0.1:6379, and installing Debian's redis-server first when it is
# missing. The server stops with the shell.
if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"
else
    if ! command -v redis-server >/dev/null; then
        echo "installing Debian's redis-server for the tests"
        if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null
    fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    dir=$(mktemp -d)
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
        --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
    on_exit="${on_exit:-}kill \"\$(cat '$dir/redis.pid')\" 2>/dev/null;"
    trap 'eval "$on_exit"' EXIT
    for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    export TEST_REDIS_URL="redis://127.0.0.1:$port/0"
    echo "started redis-server for the tests at $TEST_REDIS_URL"
fi
