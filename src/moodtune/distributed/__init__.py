"""Running moodtune beyond one process: Dask distributed (the optional ``dask`` extra).

``predict_dataset`` classifies a Parquet dataset of any size partition by partition on a
cluster (``dask_client(cluster="local:2")`` for this machine's cores, or the address of an
existing scheduler), writing partitioned Parquet.
"""

from __future__ import annotations

from moodtune.distributed._cluster import dask_client, parse_cluster
from moodtune.distributed._predict import (
    DatasetPrediction,
    dataset_files,
    predict_dataset,
    predict_frame,
)

__all__ = [
    "DatasetPrediction",
    "dask_client",
    "dataset_files",
    "parse_cluster",
    "predict_dataset",
    "predict_frame",
]
