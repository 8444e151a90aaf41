"""The conventions bpdesk computes with, and where PyTorch's differ.

Numbers a learner compares with another library only agree when both count the
same way. Each convention here is an equation and a note in words; "The math"
shows them (through :mod:`bpdesk.core.equations`) and the README tells the same.
The exported PyTorch script follows every one of them, so its run is bpdesk's.
"""

from __future__ import annotations

from bpdesk.core.network import Network

Convention = tuple[str, str]  # (equation, note)


def _loss(network: Network) -> Convention:
    n_out = network.layer_sizes[-1]
    if network.loss == "mse":
        return (
            "L = ½·Σₖ(ŷₖ − tₖ)², averaged over the batch",
            "with the ½ and summed over the outputs: torch's nn.MSELoss has no ½ and also "
            "averages over the outputs, so its loss and gradients are "
            + ("twice these" if n_out == 1 else f"2/{n_out} of these"),
        )
    if network.loss == "bce":
        return (
            "L = Σₖ bce(ŷₖ, tₖ), averaged over the batch",
            "summed over the outputs: torch's BCEWithLogitsLoss averages over the outputs "
            "too" + ("" if n_out == 1 else f", giving 1/{n_out} of this"),
        )
    if network.loss == "ce":
        return (
            "L = −Σₖ tₖ·log ŷₖ, averaged over the batch",
            "as torch's cross_entropy, which takes the logits z and applies the softmax itself",
        )
    return (
        "L = Σₖ(ŷₖ − tₖ)², averaged over the batch",
        "no ½ here: the explainer's single-weight loss",
    )


def conventions(network: Network, optimizer: str = "sgd") -> list[Convention]:
    """The conventions behind this network's numbers, each with how PyTorch differs."""
    n_in, n_out = network.layer_sizes[0], network.layer_sizes[1]
    lines = [
        _loss(network),
        (
            "z = x·W + b, W stored as inputs × outputs",
            f"the engine, its files and exports keep W₁ as {n_in}×{n_out}, one row per "
            "input; these equations and torch's nn.Linear write its transpose, one row "
            "per neuron",
        ),
        (
            "∂L/∂W ← ∂L/∂W + λ·W (L2), + λ·sign(W) (L1)",
            "the penalty is added to the gradient of the weights only, before the "
            "optimiser: the biases are not penalised, and it is not AdamW's decoupled "
            "weight decay; torch's weight_decay would decay the biases too",
        ),
        (
            "each epoch: order = default_rng(seed).permutation(n)",
            "mini-batches are slices of one fresh permutation per epoch from NumPy's "
            "generator, the last one possibly smaller; a full batch draws none. torch's "
            "DataLoader shuffles with its own generator, so its batches differ",
        ),
    ]
    if optimizer == "momentum":
        lines.append(
            (
                "v ← μ·v + ∂L/∂W,  W ← W − η·v",
                "momentum as torch's SGD: the velocity sums gradients and η scales the step "
                "when it is taken, so a changed η changes the whole next step; Keras and "
                "some textbooks keep v ← μ·v − η·∂L/∂W, which differs once η changes",
            )
        )
    elif optimizer == "adam":
        lines.append(
            (
                "W ← W − η·m̂ / (√v̂ + ε),  β₁ 0.9, β₂ 0.999, ε 1e−8",
                "Adam with bias correction, m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ): torch's "
                "defaults and formula",
            )
        )
    lines.append(
        (
            "a run's state: the optimiser's memory and the shuffle",
            "kept between epochs and saved with the file, so that training continued "
            "later, here or in the exported script, is the same run",
        )
    )
    return lines
