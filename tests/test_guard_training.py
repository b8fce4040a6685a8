"""Real tiny models on CPU stop within one step of must_stop, save a reloadable checkpoint, and resume."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from pausepact.party.guard import GuardedRun
from pausepact.party.guard.integrations import TorchCheckpoint, lightning_callback, transformers_callback

torch = pytest.importorskip("torch")


def tell_stop(run: GuardedRun) -> None:
    run._decide(0, True, "test: the pact says stop", "forbidden")


def test_plain_pytorch_loop_stops_saves_and_resumes(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x, y = torch.randn(64, 8), torch.randn(64, 1)
    run = GuardedRun("r", 1e25, "closed")
    ckpt = TorchCheckpoint(run, tmp_path / "ckpt.pt", model, opt)
    last = -1
    for step in range(1000):
        loss = torch.nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step == 41:
            tell_stop(run)
        if ckpt.stop_now(step):
            break
        last = step
    assert ckpt.saved_at == 41 and last == 40  # must_stop turned true during step 41: saved and stopped in that step
    model2 = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
    opt2 = torch.optim.SGD(model2.parameters(), lr=0.01)
    start = TorchCheckpoint.restore(tmp_path / "ckpt.pt", model2, opt2)
    assert start == 41
    for a, b in zip(model.state_dict().values(), model2.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    # the resumed run continues from the saved step under a new, allowed run
    resumed = GuardedRun("r-resumed", 1e25, "closed")
    ckpt2 = TorchCheckpoint(resumed, tmp_path / "ckpt2.pt", model2, opt2)
    steps = 0
    for _step in range(start + 1, start + 11):
        loss = torch.nn.functional.mse_loss(model2(x), y)
        opt2.zero_grad()
        loss.backward()
        opt2.step()
        assert not ckpt2.stop_now(_step)
        steps += 1
    assert steps == 10


def test_transformers_trainer_stops_within_one_step(tmp_path: Path) -> None:
    transformers = pytest.importorskip("transformers")
    config = transformers.GPT2Config(n_layer=1, n_head=2, n_embd=16, vocab_size=64, n_positions=16, bos_token_id=0, eos_token_id=0)
    model = transformers.GPT2LMHeadModel(config)
    data = [{"input_ids": torch.randint(0, 64, (16,)), "labels": torch.randint(0, 64, (16,))} for _ in range(64)]
    run = GuardedRun("hf", 1e25, "closed")

    class StopAt(transformers.TrainerCallback):  # the guard's thread, simulated at a known step
        def on_step_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if state.global_step == 5:
                tell_stop(run)

    args = transformers.TrainingArguments(output_dir=str(tmp_path / "hf"), max_steps=500, per_device_train_batch_size=4,
                                          save_strategy="no", report_to=[], use_cpu=True, logging_steps=1000,
                                          disable_tqdm=True)
    trainer = transformers.Trainer(model=model, args=args, train_dataset=data, callbacks=[StopAt(), transformers_callback(run)])
    result = trainer.train()
    assert result.global_step == 6  # must_stop seen during step 6: it ends, saves, stops
    saved = tmp_path / "hf" / "checkpoint-6"
    assert saved.is_dir()
    reloaded = transformers.GPT2LMHeadModel.from_pretrained(str(saved))
    for (n, a), b in zip(model.state_dict().items(), reloaded.state_dict().values(), strict=True):
        assert torch.allclose(a, b), n
    # resume after resumption: training continues from the checkpoint
    run2 = GuardedRun("hf-resumed", 1e25, "closed")
    args2 = transformers.TrainingArguments(output_dir=str(tmp_path / "hf"), max_steps=10, per_device_train_batch_size=4,
                                           save_strategy="no", report_to=[], use_cpu=True, disable_tqdm=True)
    trainer2 = transformers.Trainer(model=transformers.GPT2LMHeadModel(config), args=args2, train_dataset=data,
                                    callbacks=[transformers_callback(run2)])
    assert trainer2.train(resume_from_checkpoint=str(saved)).global_step == 10


def test_lightning_stops_saves_and_resumes(tmp_path: Path) -> None:
    pl = pytest.importorskip("lightning.pytorch")

    class Tiny(pl.LightningModule):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Linear(4, 1)

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            x, y = batch
            return torch.nn.functional.mse_loss(self.net(x), y)

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.01)

    ds = torch.utils.data.TensorDataset(torch.randn(256, 4), torch.randn(256, 1))
    loader = torch.utils.data.DataLoader(ds, batch_size=4)
    run = GuardedRun("pl", 1e25, "closed")

    class StopAt(pl.Callback):  # type: ignore[misc,name-defined]
        def on_train_batch_start(self, trainer: Any, module: Any, batch: Any, batch_idx: int) -> None:
            if trainer.global_step == 7:
                tell_stop(run)

    path = tmp_path / "pl.ckpt"
    trainer = pl.Trainer(max_epochs=100, accelerator="cpu", logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, callbacks=[StopAt(), lightning_callback(run, path)])
    t = time.monotonic()
    trainer.fit(Tiny(), loader)
    assert time.monotonic() - t < 60
    assert trainer.global_step == 8 and path.exists()
    resumed = pl.Trainer(max_steps=20, accelerator="cpu", logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False)
    resumed.fit(Tiny(), loader, ckpt_path=str(path))
    assert resumed.global_step == 20
