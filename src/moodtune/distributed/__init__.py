"""Running moodtune beyond one process: Dask distributed (the optional ``dask`` extra).

``predict_dataset`` classifies a Parquet dataset of any size partition by partition on a
cluster (``dask_client(cluster="local:2")`` for this machine's cores, or the address of an
existing scheduler), writing partitioned Parquet; ``analyse_on_cluster`` analyses audio
files as Dask tasks, each result checkpointed by this process as it arrives (a file-level
work log beside the table); ``import_dataset`` adds a Parquet dataset to the catalogue
partition by partition.
"""

from __future__ import annotations

from moodtune.distributed._analyze import (
    ANALYSE_CONFIG,
    ANALYSE_IMPORTS,
    DaskRunner,
    WorkLog,
    analyse_on_cluster,
    read_work_log,
    work_log_path,
)
from moodtune.distributed._cluster import (
    dask_client,
    parse_cluster,
    preload_forkserver,
    start_method,
)
from moodtune.distributed._import import import_dataset, read_partition
from moodtune.distributed._predict import (
    INCOMPLETE,
    DatasetPrediction,
    dataset_files,
    predict_dataset,
    predict_frame,
)

__all__ = [
    "ANALYSE_CONFIG",
    "ANALYSE_IMPORTS",
    "INCOMPLETE",
    "DaskRunner",
    "DatasetPrediction",
    "WorkLog",
    "analyse_on_cluster",
    "dask_client",
    "dataset_files",
    "import_dataset",
    "parse_cluster",
    "predict_dataset",
    "predict_frame",
    "preload_forkserver",
    "read_partition",
    "read_work_log",
    "start_method",
    "work_log_path",
]
