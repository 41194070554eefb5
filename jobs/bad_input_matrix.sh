#!/usr/bin/env bash
# The bad-input matrix, end to end through the command line a user runs: every subcommand that
# reads records against every kind of bad input (made from the committed sample by
# jobs/lib/bad_inputs.py), in fail and skip mode, plus bad flags and missing cloud credentials.
# Prints one table: case, command, mode, exit code, stderr lines, `\tat` frames on stderr, and the
# line that tells the user what happened (the `error:` line, else the bad-record summary line).
# Usage: jobs/bad_input_matrix.sh [--workdir DIR] [CASE_FILTER]   (default workdir: ./work/bad_inputs)
# About 15 minutes on 2 cores (one JVM per row).
source "$(dirname "${BASH_SOURCE[0]}")/lib/launcher.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/quickstart.sh"
WORKDIR="$SELFSUP_ROOT/work/bad_inputs"
FILTER=""
while (($#)); do
  case "$1" in
    --workdir) WORKDIR="$2"; shift 2 ;;
    -*) echo "unknown flag $1 (valid: --workdir DIR, and a case filter)" >&2; exit 2 ;;
    *) FILTER="$1"; shift ;;
  esac
done
SAMPLE="$SELFSUP_ROOT/src/test/resources/fashion_mnist_sample"
INPUTS="$WORKDIR/inputs"
RUNS="$WORKDIR/runs"
selfsup_build
rm -rf "$RUNS"
mkdir -p "$INPUTS" "$RUNS"
python3 "$SELFSUP_ROOT/jobs/lib/bad_inputs.py" "$SAMPLE" "$INPUTS" >&2

TABLE="$WORKDIR/matrix.md"
printf '| case | command | mode | exit | stderr lines | `\\tat` frames | what the user reads |\n|---|---|---|---|---|---|---|\n' >"$TABLE"

# row CASE COMMAND MODE -- ARGS...: runs `selfsup ARGS`, adds one row to the table.
row() {
  local case="$1" command="$2" mode="$3"; shift 4
  [[ -z "$FILTER" || "$case" == *"$FILTER"* ]] || return 0
  local out="$RUNS/$case.$command.$mode"
  local code=0
  selfsup "$@" >"$out.stdout" 2>"$out.stderr" || code=$?
  local lines frames message
  lines=$(grep -vc '^\[selfsup\]' "$out.stderr" || true)
  frames=$(grep -c $'^\tat ' "$out.stderr" || true)
  message=$(grep -h '^error: ' "$out.stderr" | head -n1 || true)
  if [[ -z "$message" ]]; then
    message=$(grep -hE '^(records|[0-9:]+ [A-Z]+ +[A-Za-z]+: records): ' "$out.stdout" "$out.stderr" | tail -n1 || true)
  fi
  message=$(printf '%s' "$message" | sed -e "s#$INPUTS/##g" -e "s#file:##g" -e 's/|/\\|/g' -e 's/^[0-9:]* [A-Z]* *[A-Za-z]*: //' -e 's/ (log: [^)]*)$//' | cut -c1-220)
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$case" "$command" "$mode" "$code" "$lines" "$frames" "$message" >>"$TABLE"
  selfsup_log "$case $command $mode: exit $code"
}

TINY=(--task rotation "${QUICKSTART_TRUNK[@]}" --input_size 28 --preprocess 'decode|flip_lr|value_range(-1,1)'
      --batch_size 32 --epochs 1 --warmup_epochs 0 --decay_epochs 0.9 --chunks_per_epoch 1 --num_workers 1
      --minibatch_storage MEMORY_ONLY)
for case in bomb_png undecodable_image truncated_shard bad_length_header data_crc not_an_example; do
  data="$INPUTS/$case"
  for mode in fail skip; do
    row "$case" inspect "$mode" -- inspect --dataset_dir "$data" --num_images 1000 --on_bad_record "$mode"
    row "$case" evaluate "$mode" -- evaluate --raw_pixels --dataset_dir "$data" --workdir "$RUNS/eval-$case-$mode" \
      --reg_params 1e-3 --max_iter 5 --on_bad_record "$mode"
    row "$case" pretrain "$mode" -- pretrain --dataset_dir "$data" --workdir "$RUNS/pretrain-$case-$mode" "${TINY[@]}" \
      --on_bad_record "$mode"
  done
done
for mode in fail skip; do
  row image_folder_bomb_and_broken_jpeg import "$mode" -- import image_folder --source_dir "$INPUTS/images" \
    --dataset_dir "$RUNS/import-$mode" --on_bad_record "$mode"
done

good="$SAMPLE"
row bad_flag pretrain - -- pretrain --dataset_dir "$good" --workdir "$RUNS/flags" --minibatch_storage MEMORY_PLEASE
row bad_flag pretrain - -- pretrain --dataset_dir "$good" --workdir "$RUNS/flags" --base_lr -1
row bad_flag pretrain - -- pretrain --dataset_dir "$good" --workdir "$RUNS/flags" --blocks_per_stage 1,0,1
row bad_flag pretrain - -- pretrain --dataset_dir "$good" --workdir "$RUNS/flags" --preprocess 'decode|no_such_op'
row bad_flag pretrain - -- pretrain --dataset_dir "$good" --workdir "$RUNS/flags" --input_size 28 \
  --preprocess 'decode|random_crop(64)'
row bad_flag evaluate - -- evaluate --dataset_dir "$good" --workdir "$RUNS/flags" --raw_pixels --reg_params=-1
row bad_flag inspect - -- inspect --dataset_dir "$good" --num_images -1
row bad_flag inspect - -- inspect --dataset_dir "$good" --max_image_pixels 0
row bad_flag import - -- import image_folder --source_dir "$RUNS/no_such_folder" --dataset_dir "$RUNS/x"
# No credentials for s3a://: only the explicit-key provider is asked (never the instance metadata
# service), and the endpoint is a closed loopback port.
SELFSUP_JAVA_OPTS="-Dspark.hadoop.fs.s3a.aws.credentials.provider=org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider -Dspark.hadoop.fs.s3a.endpoint=http://127.0.0.1:9 -Dspark.hadoop.fs.s3a.path.style.access=true -Dspark.hadoop.fs.s3a.attempts.maximum=1 -Dspark.hadoop.fs.s3a.retry.limit=1" \
  row no_credentials inspect - -- inspect --dataset_dir s3a://no-such-bucket/data

cat "$TABLE"
echo "table: $TABLE; each run's stdout and stderr: $RUNS"
