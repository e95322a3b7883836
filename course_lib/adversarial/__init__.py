"""Adversarial examples: the data, the classifiers, the threat models, the attacks and the defences.

- ``data``: scikit-learn's bundled 8×8 digits in [0, 1], a fixed stratified train/test split, and
  two disjoint halves of the training split for surrogate models; ``make_stop_signs``, 16×16 RGB
  street scenes with or without a stop sign, drawn by day or by the same scenes at night
  (``load_stop_signs`` for the fixed train and test splits);
- ``models``: a small MLP, CNN and dropout MLP, their training loop with a history, accuracy,
  eval mode as a context, and ``trained_classifier`` (shipped weights, or trained once per process; handed out as copies);
- ``threat_models``: the L∞ and L2 balls: per-sample norms, steepest-ascent directions,
  projections, membership and uniform sampling;
- ``attacks``: FGSM and PGD (white box), finite-difference and random-direction gradient
  estimates with their query counts, and transfer attacks from a surrogate (black box);
- ``defenses``: adversarial training on the robust loss (PGD or FGSM as the inner maximisation)
  with its per-epoch history, the robust loss, robust accuracy and its curve over eps, a CNN for
  the stop signs, ``robust_classifier`` (shipped weights, or trained once per process; handed out as copies), and
  ``worst_case_accuracy``, the per-input worst case over several attacks;
- ``weights``: the shipped weights of those classifiers, a few kilobytes each, and the script that regenerates them;
- ``robustness``: the perturbation sets of the robustness quiz, which of them set inclusion
  guarantees (with a witness for the others), and the day/night experiment that measures them;
- ``plots``, ``black_box_plots`` and ``defense_plots``: the figures of the attacks, black-box and
  adversarial-training chapters.

Importing this package loads nothing heavy: the digits are read and models loaded (or trained) only when asked for.
"""
