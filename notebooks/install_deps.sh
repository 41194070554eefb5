#!/usr/bin/env bash
# Installs the Python the notebooks need, from Debian's packages only (no pip):
# Jupyter's nbconvert/nbclient to execute them, ipykernel to run them, matplotlib, pandas, numpy.
# As root it runs apt-get; otherwise it prints what to install and exits 1.
set -euo pipefail
PACKAGES=(python3-nbconvert python3-nbclient python3-ipykernel python3-matplotlib python3-pandas python3-numpy)
if [[ "$(id -u)" != 0 ]]; then
  echo "notebooks need Debian packages: run as root (or with sudo): apt-get install -y ${PACKAGES[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
