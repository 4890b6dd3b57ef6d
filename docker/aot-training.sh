#!/bin/bash
# The training run of the JDK's ahead-of-time cache (JDK 25: JEP 483, 514, 515): starts the
# service with -XX:AOTCacheOutput, waits until it is ready, stops it with SIGTERM; the JVM writes
# the cache as it exits. Dockerfile.jvm runs it at image build time, with the image's own JDK: a
# cache works only with the JDK build that made it.
#
#   aot-training.sh JAVA APP_DIR CACHE [JVM OPTION...]
#
# Give the JVM options of the production runs (the garbage collector above all): the cache keeps
# what it can use under them.
#
# The run needs no Redis and no real secret: a throwaway application and caller, and a Redis
# address where nothing listens (the service starts without Redis, as it does in production).
set -euo pipefail

java=$1
app=$2
cache=$3
shift 3
port=${AOT_TRAINING_PORT:-18080}
management=${AOT_TRAINING_MANAGEMENT_PORT:-19000}

"$java" "$@" -XX:AOTCacheOutput="$cache" \
    -Dquarkus.grpc.server.host=127.0.0.1 -Dquarkus.grpc.server.port="$port" \
    -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$management" \
    -Dquarkus.shutdown.delay=0s -Dquarkus.redis.hosts=redis://127.0.0.1:1 \
    -Dsigner.applications.training.key=00000000-0000-4000-8000-000000000000 \
    -Dsigner.applications.training.secret=AAAAAAAAAAAAAAAAAAAAAA== \
    -Dsigner.auth.callers.training.token-sha256=0000000000000000000000000000000000000000000000000000000000000000 \
    -Dsigner.auth.callers.training.applications='*' \
    -jar "$app/quarkus-run.jar" &
pid=$!

# Ready, then the management endpoints once each: their classes go into the cache too.
ready=false
for _ in $(seq 1 600); do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "aot-training: the service exited before it was ready" >&2
        exit 1
    fi
    if exec 3<>"/dev/tcp/127.0.0.1/$management" 2>/dev/null; then
        printf 'GET /q/health/ready HTTP/1.0\r\n\r\n' >&3
        status=$(head -n 1 <&3 || true)
        exec 3<&-
        if [[ $status == *" 200"* ]]; then
            ready=true
            break
        fi
    fi
    sleep 0.1
done
if [[ $ready != true ]]; then
    echo "aot-training: not ready within 60 s" >&2
    kill "$pid"
    exit 1
fi
for path in /q/health/live /q/metrics; do
    exec 3<>"/dev/tcp/127.0.0.1/$management"
    printf 'GET %s HTTP/1.0\r\n\r\n' "$path" >&3
    cat <&3 >/dev/null
    exec 3<&-
done

kill -TERM "$pid"
# The JVM assembles the cache as it exits: tens of seconds on two cores.
wait "$pid" || true
if [[ ! -s $cache ]]; then
    echo "aot-training: no cache written to $cache" >&2
    exit 1
fi
echo "aot-training: $cache, $(( $(stat -c %s "$cache") / 1048576 )) MiB"
