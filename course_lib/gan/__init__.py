"""Generative adversarial networks: the data, the players, their losses, the theory and the training loops.

- ``distributions``: 1D densities (Gaussian, Uniform, Mixture) and a 2D ring of Gaussians;
- ``networks``: small MLP generators and discriminators;
- ``losses``: the value function; minimax, non-saturating, Wasserstein and least-squares losses;
- ``training``: alternating gradient steps, with a history that plots and widgets replay;
- ``discriminators``: the optimal discriminator D*, the value V(G, D*), and a discriminator trained toward D*;
- ``divergences``: KL and Jensen–Shannon, for discrete distributions and for 1D densities by quadrature;
- ``lipschitz``: spectral norms, the gradient penalty, weight clipping and Lipschitz bounds;
- ``critics``: the Wasserstein dual and its optimal 1D critic; WGAN critics (clipped, penalised,
  spectrally normalised, plain) trained side by side;
- ``plots`` and ``lipschitz_plots``: the figures of notebooks 01–05.
"""
