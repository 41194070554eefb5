#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript): prints the GPUs this
# executor may use as Spark's ResourceInformation JSON, e.g. {"name": "gpu", "addresses": ["0","1"]}.
# Where YARN or Kubernetes isolates the GPUs (cgroups / device plugin), nvidia-smi sees only the
# executor's own; CUDA_VISIBLE_DEVICES, when set, narrows the list the same way.
# Install it at the same path on every worker node: Spark runs it before the executor fetches files.
set -euo pipefail

if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "getGpusResources.sh: nvidia-smi not found: no NVIDIA driver on this node" >&2
  exit 1
fi
indices=$(nvidia-smi --query-gpu=index --format=csv,noheader)
if [[ -n "${CUDA_VISIBLE_DEVICES:-}" ]]; then
  visible=",${CUDA_VISIBLE_DEVICES// /},"
  indices=$(printf '%s\n' "$indices" | while read -r i; do
    [[ "$visible" == *",$i,"* ]] && echo "$i"
  done || true)
fi
addresses=""
while read -r i; do
  i="${i// /}"
  [[ -z "$i" ]] && continue
  addresses+="${addresses:+,}\"$i\""
done <<<"$indices"
echo "{\"name\": \"gpu\", \"addresses\": [$addresses]}"
