"""Adversarial examples: the digits, the classifiers, the threat models and the attacks.

- ``data``: scikit-learn's bundled 8×8 digits in [0, 1], a fixed stratified train/test split, and
  two disjoint halves of the training split for surrogate models;
- ``models``: a small MLP, CNN and dropout MLP, their training loop with a history, accuracy,
  eval mode as a context, and ``trained_classifier`` (trained once per process, handed out as copies);
- ``threat_models``: the L∞ and L2 balls: per-sample norms, steepest-ascent directions,
  projections, membership and uniform sampling;
- ``attacks``: FGSM and PGD (white box), finite-difference and random-direction gradient
  estimates with their query counts, and transfer attacks from a surrogate (black box).

Importing this package loads nothing heavy: the digits are read and models trained only when asked for.
"""
