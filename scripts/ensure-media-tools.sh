#!/usr/bin/env bash
# Install Debian's ffmpeg when ffprobe is missing: the evidence app probes every audio/video upload with ffprobe
# (metadata, content checks) and cuts poster frames with ffmpeg. `make demo` and `make test` both need it.
set -euo pipefail
if command -v ffprobe >/dev/null 2>&1 && command -v ffmpeg >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
echo "installing system package: ffmpeg"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq ffmpeg
