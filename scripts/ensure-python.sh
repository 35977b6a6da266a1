#!/usr/bin/env bash
# Make sure "$1" (default python3.11) can create a virtual environment; Debian ships venv/ensurepip separately.
set -euo pipefail
PYTHON="${1:-python3.11}"

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "installing $PYTHON"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${PYTHON}" "${PYTHON}-venv"
fi
if ! "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1; then
  echo "installing ${PYTHON}-venv"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${PYTHON}-venv"
fi
