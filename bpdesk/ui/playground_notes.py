"""How bpdesk's generated data differ from TensorFlow Playground's, for the Data panel.

bpdesk's facts are those of :mod:`bpdesk.core.datasets`; the playground's come
from its source (tensorflow/playground, ``src/dataset.ts``, ``src/state.ts`` and
``src/playground.ts``), so that a teacher translating a playground exercise is not
surprised. Keep both sides in step with their code.
"""

from __future__ import annotations

PLAYGROUND_DIFFERENCES = """\
Coming from playground.tensorflow.org? bpdesk's generated data differ:
• Scale: the points lie in about −1…1 (the playground's in −6…6). Class 1 is orange and
  class 0 blue (the playground's +1 and −1).
• Noise, 0 to 1 here (the playground's slider 0–50 is 0 to 0.5): bpdesk moves the points
  of the circle, XOR cloud and moons by Gaussian noise of standard deviation noise/2
  (spiral: 0.15·noise) and keeps their labels; regression targets get noise/2 added.
  The playground leaves the points of its circle, XOR and regressions where they are and
  labels each from a copy moved by uniform noise, so its noise flips labels near the
  boundary instead (only its spiral moves the points, by uniform noise).
• Two Gaussians: centres (0.5, 0.5) for class 1 and (−0.5, −0.5), standard deviation
  0.2 + noise. The playground's are at (2, 2) and (−2, −2), with a variance from 0.5 to 4
  as noise goes from 0 to 50.
• XOR: bpdesk's XOR cloud is class 1 where x₁ and x₂ have different signs (as the
  explainer's XOR: 1 when exactly one input is on). The playground's XOR is positive where
  they have the same sign: the colours are swapped.
• Circle: class 1 inside radius 0.5, class 0 from 0.7 to 1 (the playground's 2.5 and
  3.5 to 5: the same shape, scaled).
• Input features: sin x₁ over −1…1 is nearly a straight line; over the playground's
  −6…6 it waves about twice.
• Split: 30% of the points are held out for testing by default (the playground trains on
  50% by default), and the noise starts at 0.1 (the playground's at 0)."""
