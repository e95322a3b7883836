"""Generative adversarial networks: the data, the two players, their losses and the training loop.

- ``distributions``: 1D densities (Gaussian, Uniform, Mixture) and a 2D ring of Gaussians;
- ``networks``: small MLP generators and discriminators;
- ``losses``: the value function and the discriminator and generator losses;
- ``training``: alternating gradient steps, with a history that plots and widgets replay.
"""
