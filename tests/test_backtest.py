"""pausepact backtest: METR's published doubling times, the example pact on real data, sweeps, hostile inputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pausepact.backtest import read_series, run
from pausepact.backtest.history import pact_document
from pausepact.core.durations import parse_time
from pausepact.core.pactfile import parse_pact

from .conftest import EXAMPLE

DATA = Path(__file__).parent / "data" / "backtest"
ACME = DATA / "acme-repo.json"  # ai-code --by month --json: shares 0.90 (Jan 2024), 0.96, 0.97, 0.98, 0.99, 0.99 (Jun)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="250")
    return subprocess.run([sys.executable, "-m", "pausepact", *args], capture_output=True, text=True, timeout=300, env=env)


def metr(shared: Path) -> Path:
    return shared / "data" / "metr" / "benchmark_results_1_1.yaml"


def epoch(shared: Path) -> Path:
    return shared / "data" / "epoch" / "notable_ai_models_2025-02-24.csv"


def day(text: str) -> int:
    return parse_time(f"{text}T00:00:00Z")


@pytest.mark.parametrize(("window", "published"), [("2500d", 196.475), ("1058d", 130.801)])
def test_metr_frontier_doubling_times_match_metr_published_figures(shared: Path, window: str, published: float) -> None:
    # at 2025-11-24 (the last SOTA release), a 2500-day window reaches back past gpt2 (2019-02-14): "all time";
    # a 1058-day window starts at 2023-01-01: "from 2023 on" (gpt_4, 2023-03-14, is the first SOTA model in it)
    text = EXAMPLE.read_bytes().replace(b"window: 365d", f"window: {window}".encode())
    real, _ = parse_pact(text)
    assert real is not None
    bt = run(real, pact_document(text), [read_series(str(metr(shared)), sota_only=True)], ["*=lab-a"],
             day("2019-01-01"), day("2025-11-24"))
    fit = next(f for f in bt.outcome.fits if f["party"] == "lab-a")
    assert fit["red_line"] == "runaway-self-improvement"
    assert fit["doubling_days"] == pytest.approx(published, abs=2)
    assert fit["points"] == (14 if window == "2500d" else 11)


def example_args(shared: Path, *more: str) -> list[str]:
    return ["backtest", str(EXAMPLE), "--series", str(metr(shared)), "--series", str(epoch(shared)), "--series", str(ACME),
            "--sota-only", "--map", "OpenAI=lab-a", "--map", "Anthropic=lab-b", "--map", "acme-repo=lab-c",
            "--from", "2024-01-01", "--to", "2025-12-31", *more]


def test_example_pact_on_metr_epoch_and_a_repository(shared: Path, tmp_path: Path) -> None:
    r = cli(*example_args(shared, "--json", "--out", str(tmp_path / "report")))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["backtest"] is True and "BACKTEST" in out["notice"] and out["rejected"] == []
    # Epoch's compute is in FLOP: the example pact has no flop indicator, so it feeds nothing (and says so)
    assert [s["indicator"] for s in out["series"]] == ["time_horizon_minutes", None, "ai_code_share"]
    assert "feeds no indicator" in r.stderr
    ff = out["first_fired"]
    # nobody reports ai_code_share (every 30d) from 2024-01-01: gone silent 30d + 14d later, 2024-02-14;
    # lab-c reports it monthly but never ai_rnd_score (every 90d): 90d + 14d after 2024-01-01, 2024-04-14
    assert ff["gone-silent"] == {"lab-a": "2024-02-14T00:00:00Z", "lab-b": "2024-02-14T00:00:00Z",
                                 "lab-c": "2024-04-14T00:00:00Z", "lab-d": "2024-02-14T00:00:00Z"}
    # acme's share meets 0.95 from its February value (reported 2024-03-01): 60 days later, 2024-04-30
    assert ff["models-write-the-code"] == {"lab-a": None, "lab-b": None, "lab-c": "2024-04-30T00:00:00Z", "lab-d": None}
    # no lab's frontier horizons double within 60 days over any 365-day window
    assert set(ff["runaway-self-improvement"].values()) == {None}
    raises = [(t["at"], t["scope"], t["to"], t["red_line"]) for t in out["transitions"] if t["event"] == "raise"]
    assert raises == [("2024-02-14T00:00:00Z", "lab-a", "heightened", "gone-silent"),
                      ("2024-02-14T00:00:00Z", "lab-b", "heightened", "gone-silent"),
                      ("2024-02-14T00:00:00Z", "lab-d", "heightened", "gone-silent"),
                      ("2024-04-14T00:00:00Z", "lab-c", "heightened", "gone-silent"),
                      ("2024-04-30T00:00:00Z", "all", "slowdown", "models-write-the-code")]
    assert any(t["event"] == "in-force" and t["at"] == "2024-01-01T00:00:00Z" for t in out["transitions"])
    # OpenAI's SOTA releases within 365 days of 2025-12-31: o3 (2025-04-16) and gpt-5 (2025-08-07): too few to fit
    fits = {f["party"]: f for f in out["fits"]}
    assert fits["lab-a"]["points"] == 2 and fits["lab-a"]["doubling_days"] is None
    assert fits["lab-a"]["at"] == "2025-12-31T00:00:00Z"
    page = (tmp_path / "report" / "index.html").read_text()
    assert "BACKTEST" in page and page.count("data:image/png;base64,") == 3
    assert "<script" not in page and "http:" not in page and "https:" not in page  # self-contained: nothing fetched
    assert sorted(p.name for p in (tmp_path / "report").glob("*.png")) == ["series-0.png", "series-1.png", "series-2.png"]


def test_threshold_sweep_is_monotone(shared: Path) -> None:
    r = cli(*example_args(shared, "--json", "--sweep", "models-write-the-code.at_least=0.9:1.0:0.02"))
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)["sweeps"][0]["rows"]
    fired = [row["first_fired"]["lab-c"] for row in rows]
    # 0.90: the January value meets (reported 2024-02-01) -> 04-01; 0.98: from the April value (05-01) -> 06-30
    assert fired == ["2024-04-01T00:00:00Z", "2024-04-30T00:00:00Z", "2024-04-30T00:00:00Z", "2024-04-30T00:00:00Z",
                     "2024-06-30T00:00:00Z", None]
    moments = [parse_time(f) if f else float("inf") for f in fired]
    assert moments == sorted(moments)


def test_duration_sweep_of_a_doubling_red_line(shared: Path) -> None:
    r = cli("backtest", str(EXAMPLE), "--series", str(metr(shared)), "--sota-only", "--map", "*=lab-a",
            "--from", "2024-01-01", "--to", "2025-12-31", "--json",
            "--sweep", "runaway-self-improvement.doubling_within=60d:240d:60d")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)["sweeps"][0]["rows"]
    assert [row["value"] for row in rows] == ["60d", "120d", "180d", "240d"]
    moments = [parse_time(f) if (f := row["first_fired"]["lab-a"]) else float("inf") for row in rows]
    assert moments == sorted(moments, reverse=True)  # a longer allowed doubling time fires no later
    assert moments[0] == float("inf") and moments[-1] < float("inf")


def test_throwaway_keys_never_the_pacts(shared: Path) -> None:
    real, _ = parse_pact(EXAMPLE.read_bytes())
    assert real is not None
    bt = run(real, pact_document(EXAMPLE.read_bytes()), [read_series(str(ACME))], ["*=lab-a"], None, None)
    real_keys = {k for p in real.parties for k in p.keys}
    fresh = {k for p in bt.tw.pact.parties for k in p.keys}
    assert fresh and not fresh & real_keys
    assert bt.tw.pact.digest != real.digest and bt.tw.pact.origin == "backtest.invalid/frontier-pause"
    assert bt.tw.pact.pact == "backtest-frontier-pause" and bt.tw.pact.title.startswith("BACKTEST")
    r = cli("backtest", str(EXAMPLE), "--series", str(ACME), "--map", "*=lab-a")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("BACKTEST")


@pytest.mark.parametrize(("files", "maps", "says"), [
    ({"notes.txt": "hello\n"}, ["*=lab-a"], "not a series pausepact recognises"),
    ({"models.csv": "Model,Organization,Publication date\nX,Y,2024-01-01\n"}, ["*=lab-a"], "Training compute (FLOP)"),
    ({"models.json": '{"value": 1}'}, ["*=lab-a"], "not the --json output"),
    ({"acme-repo.json": ACME.read_text()}, ["acme-repo=lab-z"], "no party 'lab-z'"),
    ({"acme-repo.json": ACME.read_text()}, ["acme-repo=aisi"], "not a developer"),
    ({"acme-repo.json": ACME.read_text()}, ["lab-a"], "expected ORG=PARTY"),
    ({"acme-repo.json": ACME.read_text()}, [], "no --map"),
    ({"acme-repo.json": ACME.read_text()}, ["*=lab-a", "nope=lab-b"], None),
])
def test_hostile_inputs_give_one_clear_line(tmp_path: Path, files: dict[str, str], maps: list[str], says: str | None) -> None:
    args = ["backtest", str(EXAMPLE)]
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        args += ["--series", str(tmp_path / name) if says is not None else f"no_such_indicator={tmp_path / name}"]
    says = says or "no indicator 'no_such_indicator'"
    for m in maps:
        args += ["--map", m]
    r = cli(*args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], r.stderr
    assert "Traceback" not in r.stderr


def test_bad_sweep_and_missing_file(tmp_path: Path) -> None:
    for extra, says in [(["--sweep", "nope.at_least=1:2:1"], "no red line 'nope'"),
                        (["--sweep", "models-write-the-code.for=1d:2d:0d"], "STEP > 0"),
                        (["--series", str(tmp_path / "absent.json")], "no such file")]:
        r = cli("backtest", str(EXAMPLE), "--series", str(ACME), "--map", "*=lab-c", *extra)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and says in r.stderr, r.stderr
