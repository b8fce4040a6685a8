"""Evaluation results as indicator values: Inspect logs, lm-evaluation-harness results, METR time horizons.

A red line must never be fed a partial result silently: a log whose run did not
finish successfully, or that has no scores, is refused with a message saying why.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from .measurement import CollectorError, Measurement, file_digest


def inspect_log(path: Path, scorer: str | None = None, metric: str | None = None) -> Measurement:
    """A metric of an Inspect (inspect-ai) ``.eval`` or ``.json`` log, read with inspect-ai's own reader."""
    if not path.is_file():
        raise CollectorError(f"{path}: no such file")
    try:
        from inspect_ai.log import read_eval_log
    except ImportError:
        raise CollectorError("reading Inspect logs needs inspect-ai: pip install 'pausepact[collect]'") from None
    try:
        log = read_eval_log(str(path), header_only=True)
    except Exception as e:  # inspect-ai raises many types for a damaged log
        raise CollectorError(f"{path}: not a readable Inspect log: {e}") from None
    if log.status != "success":
        why = f" ({str(log.error.message)[:200]})" if log.error is not None else ""
        raise CollectorError(f"{path}: the evaluation run's status is {log.status!r}{why}, not 'success': "
                             "a partial result must not feed a red line")
    scores = log.results.scores if log.results else []
    if not scores:
        raise CollectorError(f"{path}: the log has no scores")
    chosen = next((s for s in scores if scorer in (None, s.name, s.scorer)), None)
    if chosen is None:
        raise CollectorError(f"{path}: no scorer {scorer!r}; the log has {', '.join(s.name for s in scores)}")
    if not chosen.metrics:
        raise CollectorError(f"{path}: scorer {chosen.name!r} reports no metrics")
    name = metric or next(iter(chosen.metrics))
    if name not in chosen.metrics:
        raise CollectorError(f"{path}: scorer {chosen.name!r} has no metric {name!r}; it has {', '.join(chosen.metrics)}")
    value = chosen.metrics[name].value
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise CollectorError(f"{path}: metric {name!r} is not a finite number ({value!r})")
    assert log.results is not None
    details = {"task": log.eval.task, "model": log.eval.model, "scorer": chosen.name, "metric": name,
               "total_samples": log.results.total_samples, "completed_samples": log.results.completed_samples,
               "created": log.eval.created, "run_id": log.eval.run_id, "status": log.status,
               "counted": f"metric {name} of scorer {chosen.name} over {log.results.completed_samples} of "
                          f"{log.results.total_samples} samples"}
    if log.results.completed_samples < log.results.total_samples:
        raise CollectorError(f"{path}: only {log.results.completed_samples} of {log.results.total_samples} samples completed")
    evidence = {"digest": file_digest(path), "source": f"inspect {log.eval.task} {log.eval.model} {chosen.name}/{name}"}
    return Measurement(float(value), evidence, details)


def lm_eval(path: Path, task: str | None = None, metric: str = "acc", filter_: str = "none") -> Measurement:
    """``results.<task>."<metric>,<filter>"`` of an lm-evaluation-harness results file."""
    try:
        data = json.loads(path.read_bytes())
    except OSError as e:
        raise CollectorError(f"{path}: cannot read: {e.strerror}") from None
    except (ValueError, RecursionError) as e:
        raise CollectorError(f"{path}: not JSON: {str(e)[:200]}") from None
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, dict) or not results:
        raise CollectorError(f"{path}: no 'results' in this file (is it an lm-evaluation-harness results_*.json?)")
    if task is None:
        if len(results) != 1:
            raise CollectorError(f"{path}: several tasks ({', '.join(results)}): choose one with --task")
        task = next(iter(results))
    if task not in results:
        raise CollectorError(f"{path}: no task {task!r}; tasks are {', '.join(results)}")
    key = f"{metric},{filter_}"
    scores = results[task]
    if not isinstance(scores, dict):
        raise CollectorError(f"{path}: results.{task} is not an object of metrics")
    value = scores.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        have = sorted(k for k in scores if "," in k and not k.split(",")[0].endswith("_stderr"))
        if key in scores:
            raise CollectorError(f"{path}: task {task!r}: {key!r} is not a finite number")
        raise CollectorError(f"{path}: task {task!r} has no numeric {key!r}; it has {', '.join(have) or 'no metrics'}")

    def member(name: str) -> dict[str, Any]:
        v = data.get(name)
        return v if isinstance(v, dict) else {}

    config = member("config")
    model = config.get("model_args") or config.get("model") or data.get("model_name") or "unknown"
    stderr = scores.get(f"{metric}_stderr,{filter_}")
    details = {"task": task, "metric": key, "stderr": stderr, "model": str(model)[:200], "date": data.get("date"),
               "n_shot": member("n-shot").get(task), "version": member("versions").get(task),
               "counted": f"results.{task}.\"{key}\""}
    return Measurement(float(value), {"digest": file_digest(path), "source": f"lm-eval {task} {key} {str(model)[:200]}"}, details)


def metr(path: Path, model: str | None = None) -> Measurement:
    """METR time-horizon results: the p50 horizon (minutes) per model with its release date, as a series."""
    from ruamel.yaml import YAML

    try:
        data = YAML(typ="safe").load(path.read_text())
    except OSError as e:
        raise CollectorError(f"{path}: cannot read: {e.strerror}") from None
    except Exception as e:
        raise CollectorError(f"{path}: not YAML: {e}") from None
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, dict):
        raise CollectorError(f"{path}: no 'results' mapping (is it METR's benchmark_results yaml?)")
    series, skipped = [], []
    for name, r in results.items():
        try:
            est = r["metrics"]["p50_horizon_length"]["estimate"]
            date = str(r["release_date"])
        except (KeyError, TypeError):
            skipped.append(name)
            continue
        if not isinstance(est, (int, float)) or not math.isfinite(est) or est <= 0:
            skipped.append(name)
            continue
        series.append({"model": name, "release_date": date, "p50_minutes": float(est), "is_sota": bool(r["metrics"].get("is_sota"))})
    if not series:
        raise CollectorError(f"{path}: no model has a p50 horizon and a release date")
    series.sort(key=lambda s: (s["release_date"], s["model"]))
    if model is not None:
        pick = [s for s in series if s["model"] == model]
        if not pick:
            raise CollectorError(f"{path}: no model {model!r}")
    else:
        sota = [s for s in series if s["is_sota"]]
        pick = [(sota or series)[-1]]
    chosen = pick[0]
    details: dict[str, Any] = {"series": series, "skipped": skipped, "chosen": chosen["model"],
                               "benchmark": data.get("benchmark_name"), "doubling_time_in_days": data.get("doubling_time_in_days"),
                               "counted": "metrics.p50_horizon_length.estimate (minutes) with release_date, per model"}
    return Measurement(chosen["p50_minutes"], {"digest": file_digest(path), "source": f"METR {data.get('benchmark_name')} {chosen['model']}"},
                       details)
