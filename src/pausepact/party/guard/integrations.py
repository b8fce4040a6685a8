"""Training-framework integrations: save a checkpoint and stop cleanly when ``run.must_stop``.

Frameworks are imported lazily (install ``pausepact[torch]``), so the guard itself
needs none of them.

- ``transformers_callback(run)``: a Hugging Face ``TrainerCallback``; at the end of
  the step in which ``must_stop`` is seen, the Trainer saves its checkpoint and stops.
- ``lightning_callback(run, path)``: a PyTorch Lightning ``Callback`` that saves
  ``path`` and stops the trainer after the current batch.
- ``TorchCheckpoint(run, path, model, optimizer)``: for a plain PyTorch loop,
  ``if ckpt.stop_now(step): break`` saves model, optimizer and step, then ends the loop;
  ``TorchCheckpoint.restore(path, model, optimizer)`` returns the step to resume from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import GuardedRun


def transformers_callback(run: GuardedRun) -> Any:
    from transformers import TrainerCallback

    class PausepactCallback(TrainerCallback):
        """Stops the Trainer, saving a checkpoint, in the step where the pact says stop."""

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
            if run.must_stop:
                control.should_save = True
                control.should_training_stop = True
            return control

    return PausepactCallback()


def lightning_callback(run: GuardedRun, path: str | Path) -> Any:
    Callback: Any
    try:
        from lightning.pytorch.callbacks import Callback
    except ImportError:  # the standalone package
        from pytorch_lightning.callbacks import Callback

    class PausepactLightningCallback(Callback):  # type: ignore[misc]
        """Saves ``path`` and stops the trainer after the batch in which the pact says stop."""

        def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
            if run.must_stop and not trainer.should_stop:
                trainer.save_checkpoint(str(path))
                trainer.should_stop = True

    return PausepactLightningCallback()


class TorchCheckpoint:
    """Checkpoint-and-stop for a plain PyTorch loop."""

    def __init__(self, run: GuardedRun, path: str | Path, model: Any, optimizer: Any = None) -> None:
        self.run, self.path, self.model, self.optimizer = run, Path(path), model, optimizer
        self.saved_at: int | None = None

    def stop_now(self, step: int) -> bool:
        """True (after saving) when the run must stop; call it once per step."""
        if not self.run.must_stop:
            return False
        import torch

        state = {"model": self.model.state_dict(), "step": step}
        if self.optimizer is not None:
            state["optimizer"] = self.optimizer.state_dict()
        tmp = self.path.with_suffix(".tmp")
        torch.save(state, tmp)
        tmp.replace(self.path)  # a checkpoint is whole or absent
        self.saved_at = step
        return True

    @staticmethod
    def restore(path: str | Path, model: Any, optimizer: Any = None) -> int:
        """Load a checkpoint written by ``stop_now``; returns the step to continue after."""
        import torch

        state = torch.load(str(path), weights_only=True)
        model.load_state_dict(state["model"])
        if optimizer is not None and "optimizer" in state:
            optimizer.load_state_dict(state["optimizer"])
        return int(state["step"])
