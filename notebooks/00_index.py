# %% [markdown]
# # Adversarial learning: GANs and adversarial examples
#
# Two games are played against a neural network in this course. In the first, a **generator**
# learns to produce data by fooling a **discriminator**: generative adversarial networks (GANs).
# In the second, an **attacker** nudges an input just enough to fool a **classifier**: adversarial
# examples. Both games are small enough here to play on a laptop CPU in seconds, and every formula
# is checked by code as you go.
#
# ## Course map
#
# Read the notebooks in order. Each one ends with a summary and a link to its problem set.

# %%
from pathlib import Path

import matplotlib.pyplot as plt
from IPython.display import Markdown

from course_lib.course_map import course_map_figure, course_map_markdown
from course_lib.plotting import use_course_style

use_course_style()

# %%
course_map = course_map_figure()
plt.close(course_map)  # shown once, as this cell's result
course_map

# %%
Markdown(course_map_markdown(Path("..")))

# %% [markdown]
# ## Before you start
#
# * **Maths:** probability densities and expectations, the chain rule, norms ($\|x\|_2$, $\|x\|_\infty$).
# * **Machine learning:** logistic regression and cross-entropy, gradient descent, a first neural network.
# * **Code:** Python and a little PyTorch (tensors, `nn.Module`, `.backward()`).
#
# ## For students
#
# * `make lab` (in the course folder) opens this page in JupyterLab; nothing is downloaded after install.
# * Run each notebook top to bottom (*Run → Run All Cells*), then change things. Cells marked
#   **Check yourself** ask you to predict a result before you run them.
# * Widgets (sliders, step buttons) redraw live. On GitHub or in an HTML export you see their
#   default figure instead.
# * Problem sets live in `exercises/`. Under each question, `check("q1")` runs its public tests at
#   once and tells you what to fix; hidden tests run only when your work is graded.
#
# ## For instructors
#
# * Present a notebook live in JupyterLab. Every figure is also stored in the committed notebook,
#   so GitHub shows the same pages.
# * Edit a notebook's `.py` file (the `.ipynb` is its paired, executed copy), then run
#   `course sync notebooks/NN_topic.py` to execute it and store its outputs.
# * `course bench` times every notebook and widget on your machine.
# * Author a problem set once, in `solutions/`; `course assign` generates the student version in
#   `exercises/`, with solutions stubbed and hidden tests removed (see `solutions/README.md`).
#
# ## For grading
#
# Student notebooks are untrusted code. The grader runs them in a sandbox, calls their functions on
# inputs it picks, and compares the answers in its own process; hidden tests and solutions never
# enter the sandbox. See the README's grading section for the commands.
#
# ## Summary
#
# Start with [01 · The GAN game](01_gan_game.ipynb).
