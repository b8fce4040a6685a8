"""Series for a backtest, read from files as they are distributed and recognised by their content.

A ``Series`` is dated values of one unit (a pact's indicator unit), each from an organisation:

- METR's benchmark results YAML (``results.<model>``: ``release_date``, ``metrics.p50_horizon_length.estimate``
  in minutes, ``metrics.is_sota``): unit ``minutes``, dated at the release, the organisation named from the model;
- Epoch AI's notable-models CSV (``Model`` or ``System``, ``Organization``, ``Publication date``,
  ``Training compute (FLOP)``): unit ``flop``;
- ``pausepact collect ai-code --by month --json``: unit ``ratio``, one value per month dated at the month's end,
  the organisation being the repository's directory name;
- ``pausepact collect inspect --json`` and ``collect lm-eval --json``: unit ``score``, dated at the run, the
  organisation being the model's provider (``openai/gpt-4o`` -> ``openai``).

Every reader raises ``BacktestError`` (one line naming the file and the problem) for a file it cannot use.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.durations import parse_time
from ..errors import InputError

MAX_BYTES = 64 << 20


class BacktestError(InputError):
    """A series, a mapping or a parameter a backtest cannot use."""


@dataclass(frozen=True)
class Point:
    """One dated value: ``t`` in epoch seconds, ``org`` the organisation it is about, ``label`` what was measured."""

    t: int
    value: float
    org: str
    label: str


@dataclass
class Series:
    """Dated values of one ``unit`` read from ``source`` (``kind`` names the format recognised)."""

    source: str
    kind: str
    unit: str
    points: list[Point] = field(default_factory=list)
    indicator: str | None = None  # an explicit INDICATOR= prefix on --series


# METR's results name models, not organisations: the organisation is read from the model's name.
_MAKERS = (("claude", "Anthropic"), ("gpt", "OpenAI"), ("davinci", "OpenAI"), ("o1", "OpenAI"), ("o3", "OpenAI"),
           ("o4", "OpenAI"), ("gemini", "Google DeepMind"), ("grok", "xAI"), ("deepseek", "DeepSeek"),
           ("qwen", "Alibaba"), ("llama", "Meta"), ("kimi", "Moonshot"))


def metr_maker(model: str) -> str:
    """The organisation behind a METR model name (``unknown`` when the name does not say)."""
    name = model.lower()
    return next((org for prefix, org in _MAKERS if name.startswith(prefix)), "unknown")


def _day(text: str, where: str) -> int:
    try:
        return parse_time(f"{text.strip()[:10]}T00:00:00Z")
    except Exception:
        raise BacktestError(f"{where}: {text!r} is not a date (YYYY-MM-DD)") from None


def read_series(spec: str, sota_only: bool = False) -> Series:
    """The series in ``spec``: ``FILE`` or ``INDICATOR=FILE`` (the prefix names the indicator it feeds)."""
    indicator, _, name = spec.rpartition("=") if "=" in spec and not Path(spec).exists() else ("", "", spec)
    path = Path(name)
    try:
        if not path.is_file():
            raise BacktestError(f"{path}: no such file")
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise BacktestError(f"{path}: cannot read: {e.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise BacktestError(f"{path}: larger than {MAX_BYTES >> 20} MiB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BacktestError(f"{path}: not text (UTF-8): not a series pausepact recognises") from None
    s = _recognise(path, text, sota_only)
    s.indicator = indicator or None
    if not s.points:
        raise BacktestError(f"{path}: {s.kind}: no usable value in the file")
    s.points.sort(key=lambda p: (p.t, p.org, p.label))
    return s


def _recognise(path: Path, text: str, sota_only: bool) -> Series:
    head = text.lstrip()[:1]
    if head in ("{", "["):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as e:
            raise BacktestError(f"{path}: not JSON: {str(e)[:200]}") from None
        return _collector(path, data)
    first = text.splitlines()[0] if text else ""
    if "Organization" in first and "," in first:
        return _epoch(path, text)
    if re.search(r"^results:\s*$", text, re.M) and "p50_horizon_length" in text:
        return _metr(path, sota_only)
    raise BacktestError(f"{path}: not a series pausepact recognises (METR benchmark results YAML, Epoch AI notable-models "
                        "CSV, or the --json output of collect ai-code, inspect or lm-eval)")


def _metr(path: Path, sota_only: bool) -> Series:
    from ..collect.evals import metr
    from ..collect.measurement import CollectorError

    try:
        rows = metr(path).details["series"]
    except CollectorError as e:
        raise BacktestError(str(e)) from None
    s = Series(str(path), "METR time horizons", "minutes")
    for r in rows:
        if sota_only and not r["is_sota"]:
            continue
        s.points.append(Point(_day(r["release_date"], f"{path}: {r['model']}"), r["p50_minutes"], metr_maker(r["model"]), r["model"]))
    return s


_EPOCH_NEEDS = ("Organization", "Publication date", "Training compute (FLOP)")


def _epoch(path: Path, text: str) -> Series:
    reader = csv.DictReader(io.StringIO(text))
    cols = reader.fieldnames or []
    missing = [c for c in _EPOCH_NEEDS if c not in cols]
    name_col = "Model" if "Model" in cols else "System" if "System" in cols else None
    if name_col is None:
        missing.insert(0, "Model (or System)")
    if missing:
        raise BacktestError(f"{path}: a CSV without the column(s) {', '.join(missing)}: not Epoch AI's notable-models CSV")
    s = Series(str(path), "Epoch AI notable models", "flop")
    for n, row in enumerate(reader, start=2):
        compute, date = (row.get("Training compute (FLOP)") or "").strip(), (row.get("Publication date") or "").strip()
        if not compute or not date:
            continue  # Epoch records many models without a compute estimate
        try:
            value = float(compute)
        except ValueError:
            raise BacktestError(f"{path}:{n}: training compute {compute[:40]!r} is not a number") from None
        if not math.isfinite(value) or value <= 0:
            continue
        s.points.append(Point(_day(date, f"{path}:{n}"), value, (row.get("Organization") or "").strip() or "unknown",
                              str(row.get(name_col) or "")[:200]))
    return s


def _number(v: Any) -> float | None:
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    return float(v) if ok else None


def _collector(path: Path, data: Any) -> Series:
    if not isinstance(data, dict):
        raise BacktestError(f"{path}: JSON that is not a collector's output (expected an object)")
    if isinstance(data.get("windows"), list) and "method" in data:
        return _aicode(path, data)
    value = _number(data.get("value"))
    if value is not None and "task" in data and "model" in data:
        when = data.get("created") or data.get("date")
        if isinstance(when, (int, float)) and not isinstance(when, bool):  # lm-eval writes a Unix time
            from ..core.durations import format_time

            when = format_time(int(when))
        if not isinstance(when, str):
            raise BacktestError(f"{path}: the evaluation's output has no date ('created' or 'date')")
        kind = "Inspect log" if "scorer" in data else "lm-eval results"
        org = str(data["model"]).split("/")[0].split(",")[0].removeprefix("pretrained=") or "unknown"
        return Series(str(path), kind, "score", [Point(_day(when, str(path)), value, org, f"{data['task']} {data['model']}"[:200])])
    raise BacktestError(f"{path}: JSON that is not the --json output of collect ai-code, inspect or lm-eval")


def _aicode(path: Path, data: dict[str, Any]) -> Series:
    org = str(data.get("repo") or Path(str(data.get("repository") or path.stem)).name)
    s = Series(str(path), "AI-written code share", "ratio")
    for w in data["windows"]:
        label = w.get("window") if isinstance(w, dict) else None
        share = _number(w.get("share")) if isinstance(w, dict) else None
        m = re.fullmatch(r"(\d{4})-(\d{2})", str(label))
        if m is None or share is None:
            raise BacktestError(f"{path}: window {str(label)[:40]!r}: a backtest needs monthly windows "
                                "(collect ai-code --by month) with a numeric share")
        y, mo = int(m.group(1)), int(m.group(2))
        y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
        s.points.append(Point(_day(f"{y:04d}-{mo:02d}-01", str(path)), share, org, str(label)))
    return s
