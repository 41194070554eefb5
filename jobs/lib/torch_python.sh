# Source it, then: py="$(selfsup_torch_python)" -- a python that imports torch: SELFSUP_PYTHON,
# else python3 or /usr/bin/python3 if it imports torch, else /usr/bin/python3 after installing
# Debian's python3-torch (as root); otherwise one message and exit 2.
selfsup_torch_python() {
  local py
  for py in ${SELFSUP_PYTHON:-python3 /usr/bin/python3}; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import torch' 2>/dev/null; then
      command -v "$py"
      return
    fi
  done
  if [[ -n "${SELFSUP_PYTHON:-}" ]]; then
    echo "${0##*/}: SELFSUP_PYTHON=$SELFSUP_PYTHON cannot import torch" >&2
    exit 2
  fi
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "${0##*/}: PyTorch is not installed; install Debian's python3-torch (as root: apt-get install python3-torch) or set SELFSUP_PYTHON to a python that imports torch" >&2
    exit 2
  fi
  selfsup_log "installing Debian's python3-torch (apt-get) ..."
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >&2
  if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    echo "${0##*/}: python3-torch installed but /usr/bin/python3 cannot import torch" >&2
    exit 2
  fi
  echo /usr/bin/python3
}
