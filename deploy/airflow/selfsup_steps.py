#!/usr/bin/env python3
"""The paper's loop as command lines of the selfsup CLI, and how each platform submits one.

Plain Python (standard library only, no Airflow import): the DAG in selfsup_dag.py maps these steps
onto Airflow operators, deploy/dataproc and deploy/emr submit the same steps from the shell, and
the build runs them on the committed sample through jobs/selfsup.sh (deploy's AirflowStepsIT), so a
step cannot name a flag the CLI does not have.

    python3 selfsup_steps.py --dataset_dir D --run_dir R [--task rotation ...] print
    python3 selfsup_steps.py --dataset_dir D --run_dir R [...] run [--launcher jobs/selfsup.sh]
    python3 selfsup_steps.py --dataset_dir D --run_dir R [...] json [--jar URI] [--conf FILE]

Steps: import (when --import_source is given) -> pretrain -> evaluate random_init, pretrained,
raw_pixels -> compare. Pretraining goes to RUN_DIR/pretrain, the evaluations to RUN_DIR/eval.
"""

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

MAIN_CLASS = "org.selfsup.cli.Main"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass(frozen=True)
class Step:
    """One run of the CLI: a task id and the arguments after the jar (subcommand first)."""
    name: str
    args: Tuple[str, ...]


@dataclass(frozen=True)
class LoopParams:
    dataset_dir: str
    run_dir: str
    dataset: str = "fashion_mnist"
    task: str = "rotation"
    architecture: Optional[str] = None
    import_source: Optional[str] = None  # fashion_mnist or image_folder; None: the shards exist
    source_dir: Optional[str] = None
    import_flags: Tuple[str, ...] = ()
    pretrain_flags: Tuple[str, ...] = ()
    evaluate_flags: Tuple[str, ...] = ()

    @property
    def pretrain_dir(self) -> str:
        return self.run_dir.rstrip("/") + "/pretrain"

    @property
    def eval_dir(self) -> str:
        return self.run_dir.rstrip("/") + "/eval"


def loop_steps(p: LoopParams) -> List[Step]:
    """import -> pretrain -> evaluate (random init, pretrained, raw pixels) -> compare."""
    data = ("--dataset", p.dataset, "--dataset_dir", p.dataset_dir)
    steps = []
    if p.import_source:
        source = ("--source_dir", p.source_dir) if p.source_dir else ()
        # --overwrite: a retried import replaces what a failed attempt left
        steps.append(Step("import", ("import", p.import_source) + source
                          + ("--dataset_dir", p.dataset_dir, "--overwrite") + tuple(p.import_flags)))
    arch = ("--architecture", p.architecture) if p.architecture else ()
    steps.append(Step("pretrain", ("pretrain",) + data + ("--workdir", p.pretrain_dir, "--task", p.task) + arch
                      + tuple(p.pretrain_flags)))
    evaluate = ("evaluate",) + data + ("--workdir", p.eval_dir)
    steps.append(Step("evaluate_random_init", evaluate + ("--checkpoint", p.pretrain_dir, "--random_init",
                                                          "--name", "random_init") + tuple(p.evaluate_flags)))
    steps.append(Step("evaluate_pretrained", evaluate + ("--checkpoint", p.pretrain_dir, "--name", p.task)
                      + tuple(p.evaluate_flags)))
    steps.append(Step("evaluate_raw_pixels", evaluate + ("--raw_pixels", "--name", "raw_pixels")
                      + tuple(p.evaluate_flags)))
    steps.append(Step("compare", ("compare", "--workdir", p.eval_dir)))
    return steps


def spark_defaults(path: str) -> Dict[str, str]:
    """A spark-defaults.conf's "key value" (or key=value) lines, in order; # comments skipped."""
    props = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line[0] in "#!":
                continue
            m = re.match(r"([^\s=:]+)\s*[=:\s]\s*(.*)$", line)
            if not m:
                raise ValueError(f"{path}:{number}: not a 'key value' line: {line}")
            props[m.group(1)] = m.group(2)
    return props


# How each platform runs one step; the DAG passes these to the operators as they are.

def dataproc_job(step: Step, jar: str, properties: Dict[str, str], cluster: str, project: str) -> dict:
    """A Dataproc Job (DataprocSubmitJobOperator's job=)."""
    return {"reference": {"project_id": project},
            "placement": {"cluster_name": cluster},
            "spark_job": {"main_class": MAIN_CLASS, "jar_file_uris": [jar], "args": list(step.args),
                          "properties": dict(properties)}}


SERVERLESS_RUNTIME = "1.2"


def check_serverless_runtime(version: str) -> None:
    """Only runtime 1.2 runs this jar: Spark 3.5 with Scala 2.12."""
    if version != SERVERLESS_RUNTIME:
        reason = ("Scala 2.13" if re.match(r"[2-9]\.", version)
                  else "Spark older than 3.5" if version.startswith("1.") else "unknown")
        raise ValueError(f"Dataproc Serverless runtime {version} cannot run this jar ({reason}; it is built for "
                         f"Spark 3.5 and Scala 2.12): use runtime {SERVERLESS_RUNTIME}")


def dataproc_batch(step: Step, jar: str, properties: Dict[str, str], runtime: str = SERVERLESS_RUNTIME) -> dict:
    """A Dataproc Serverless Batch (DataprocCreateBatchOperator's batch=)."""
    check_serverless_runtime(runtime)
    return {"spark_batch": {"main_class": MAIN_CLASS, "jar_file_uris": [jar], "args": list(step.args)},
            "runtime_config": {"version": runtime, "properties": dict(properties)}}


def spark_submit_args(step: Step, jar: str, properties: Dict[str, str], deploy_mode: str = "cluster") -> List[str]:
    """spark-submit's command line for a step (as an EMR step runs it through command-runner.jar)."""
    conf = [a for k, v in properties.items() for a in ("--conf", f"{k}={v}")]
    return ["spark-submit", "--deploy-mode", deploy_mode, "--class", MAIN_CLASS] + conf + [jar] + list(step.args)


def emr_step(step: Step, jar: str, properties: Dict[str, str], action_on_failure: str = "CANCEL_AND_WAIT") -> dict:
    """An EMR step (EmrAddStepsOperator's steps=[...]): spark-submit --deploy-mode cluster via command-runner.jar."""
    return {"Name": f"selfsup {step.name}", "ActionOnFailure": action_on_failure,
            "HadoopJarStep": {"Jar": "command-runner.jar", "Args": spark_submit_args(step, jar, properties)}}


# Local runs: the project's launcher, in order.

def run_locally(steps: Sequence[Step], launcher: str, out=sys.stdout) -> int:
    """Runs each step through the launcher; stops at the first that fails and returns its exit code."""
    for step in steps:
        start = time.time()
        print(f"[steps] {step.name}: {shlex.join([launcher] + list(step.args))}", file=out, flush=True)
        code = subprocess.call([launcher] + list(step.args))
        print(f"[steps] {step.name}: exit {code} after {time.time() - start:.0f}s", file=out, flush=True)
        if code != 0:
            return code
    return 0


def params_from(args: argparse.Namespace) -> LoopParams:
    return LoopParams(dataset_dir=args.dataset_dir, run_dir=args.run_dir, dataset=args.dataset, task=args.task,
                      architecture=args.architecture, import_source=args.import_source,
                      source_dir=args.source_dir, import_flags=tuple(shlex.split(args.import_flags)),
                      pretrain_flags=tuple(shlex.split(args.pretrain_flags)),
                      evaluate_flags=tuple(shlex.split(args.evaluate_flags)))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="The paper's loop as selfsup command lines.")
    parser.add_argument("--dataset_dir", required=True, help="TFRecord shards (import writes them there)")
    parser.add_argument("--run_dir", required=True, help="RUN_DIR/pretrain and RUN_DIR/eval")
    parser.add_argument("--dataset", default="fashion_mnist")
    parser.add_argument("--task", default="rotation")
    parser.add_argument("--architecture")
    parser.add_argument("--import_source", choices=["fashion_mnist", "image_folder"])
    parser.add_argument("--source_dir")
    parser.add_argument("--import_flags", default="", help="more import flags, one string")
    parser.add_argument("--pretrain_flags", default="", help="more pretrain flags, one string")
    parser.add_argument("--evaluate_flags", default="", help="more flags for each evaluate, one string")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("print", help="one line per step: NAME<TAB>ARG<TAB>ARG...")
    run = sub.add_parser("run", help="run the steps in order through the project's launcher")
    run.add_argument("--launcher", default=os.path.join(ROOT, "jobs", "selfsup.sh"))
    js = sub.add_parser("json", help="the steps as each platform submits them (JSON)")
    js.add_argument("--jar", default="JAR")
    js.add_argument("--conf", default=os.path.join(ROOT, "conf", "spark-defaults.conf"))
    js.add_argument("--cluster", default="CLUSTER")
    js.add_argument("--project", default="PROJECT")
    js.add_argument("--runtime", default=SERVERLESS_RUNTIME)
    args = parser.parse_args(argv)
    steps = loop_steps(params_from(args))
    if args.action == "print":
        for s in steps:
            if any("\t" in a or "\n" in a for a in s.args):
                raise ValueError(f"step {s.name}: an argument holds a tab or newline")
            print("\t".join((s.name,) + s.args))
        return 0
    if args.action == "run":
        return run_locally(steps, args.launcher)
    props = spark_defaults(args.conf)
    try:
        batches = [dataproc_batch(s, args.jar, props, args.runtime) for s in steps]
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps({"steps": [{"name": s.name, "args": list(s.args)} for s in steps],
                      "dataproc_jobs": [dataproc_job(s, args.jar, props, args.cluster, args.project) for s in steps],
                      "dataproc_batches": batches,
                      "emr_steps": [emr_step(s, args.jar, props) for s in steps]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
