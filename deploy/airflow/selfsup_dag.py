"""The paper's loop as Airflow 2 DAGs: import -> pretrain -> evaluate (random init, pretrained, raw
pixels) -> compare, one DAG per platform:

  selfsup_loop_dataproc             DataprocSubmitJobOperator on a running Dataproc 2.2 cluster
  selfsup_loop_dataproc_serverless  DataprocCreateBatchOperator, Dataproc Serverless runtime 1.2
  selfsup_loop_emr                  EmrAddStepsOperator + EmrStepSensor on a running EMR 7 cluster
  selfsup_loop_spark_submit         SparkSubmitOperator (the connection "spark_default" names the master)

The steps and their arguments come from selfsup_steps.py (no Airflow there; the build runs those
steps on the committed sample through jobs/selfsup.sh); this file only maps them onto operators.
Put both files (and conf/spark-defaults.conf, see SELFSUP_CONF) in the DAGs folder. Parameters are
read when the DAG file is parsed, from environment variables (Airflow Variables work the same way
through AIRFLOW_VAR_*): dataset, task, architecture and the paths.
"""

import os
import shlex
from datetime import datetime

from airflow import DAG
from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator
from airflow.providers.amazon.aws.sensors.emr import EmrStepSensor
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.providers.google.cloud.operators.dataproc import (DataprocCreateBatchOperator,
                                                               DataprocSubmitJobOperator)

import selfsup_steps as steps


def setting(name, default=None):
    return os.environ.get("SELFSUP_" + name, default)


HERE = os.path.dirname(os.path.abspath(__file__))
PROPERTIES = steps.spark_defaults(setting("CONF", os.path.join(HERE, "spark-defaults.conf")))
LOOP = steps.LoopParams(
    dataset_dir=setting("DATASET_DIR", "gs://BUCKET/data/fashion_mnist"),
    run_dir=setting("RUN_DIR", "gs://BUCKET/runs/rotation-{{ ds_nodash }}"),
    dataset=setting("DATASET", "fashion_mnist"),
    task=setting("TASK", "rotation"),
    architecture=setting("ARCHITECTURE"),
    import_source=setting("IMPORT_SOURCE"),
    source_dir=setting("SOURCE_DIR"),
    pretrain_flags=tuple(shlex.split(setting("PRETRAIN_FLAGS", ""))),
    evaluate_flags=tuple(shlex.split(setting("EVALUATE_FLAGS", ""))),
)
STEPS = steps.loop_steps(LOOP)
JAR = setting("JAR", "gs://BUCKET/selfsup/selfsup-spark-0.1.0-SNAPSHOT-spark.jar")
DEFAULTS = dict(start_date=datetime(2026, 1, 1), schedule=None, catchup=False, tags=["selfsup"])


def chain_in_order(tasks):
    """Each step after the one before (evaluate runs need the checkpoint; compare all reports)."""
    for before, after in zip(tasks, tasks[1:]):
        before >> after


with DAG("selfsup_loop_dataproc", **DEFAULTS) as dataproc_dag:
    chain_in_order([DataprocSubmitJobOperator(
        task_id=s.name, project_id=setting("GCP_PROJECT"), region=setting("GCP_REGION"),
        job=steps.dataproc_job(s, JAR, PROPERTIES, setting("DATAPROC_CLUSTER"), setting("GCP_PROJECT")))
        for s in STEPS])

with DAG("selfsup_loop_dataproc_serverless", **DEFAULTS) as serverless_dag:
    chain_in_order([DataprocCreateBatchOperator(
        task_id=s.name, project_id=setting("GCP_PROJECT"), region=setting("GCP_REGION"),
        batch=steps.dataproc_batch(s, JAR, PROPERTIES),
        batch_id="selfsup-" + s.name.replace("_", "-") + "-{{ ts_nodash | lower }}")
        for s in STEPS])

with DAG("selfsup_loop_emr", **DEFAULTS) as emr_dag:
    emr_jar = setting("EMR_JAR", "s3://BUCKET/selfsup/selfsup-spark-0.1.0-SNAPSHOT-spark.jar")
    cluster = setting("EMR_CLUSTER_ID")
    emr_tasks = []
    for s in STEPS:  # add the step, then wait for it: EMR reports the step id through XCom
        emr_tasks.append(EmrAddStepsOperator(task_id=s.name, job_flow_id=cluster,
                                             steps=[steps.emr_step(s, emr_jar, PROPERTIES)]))
        emr_tasks.append(EmrStepSensor(task_id=s.name + "_done", job_flow_id=cluster,
                                       step_id="{{ task_instance.xcom_pull(task_ids='%s')[0] }}" % s.name))
    chain_in_order(emr_tasks)

with DAG("selfsup_loop_spark_submit", **DEFAULTS) as spark_submit_dag:
    chain_in_order([SparkSubmitOperator(
        task_id=s.name, conn_id="spark_default", application=setting("SPARK_JAR", JAR),
        java_class=steps.MAIN_CLASS, conf=PROPERTIES, application_args=list(s.args))
        for s in STEPS])
