import numpy as np
import pytest
import torch

from course_lib.adversarial.data import SPLITS, load_digits


def test_the_digits_equal_scikit_learns_load_digits_divided_by_16():
    # Peer: sklearn.datasets.load_digits. We read its bundled file ourselves (importing sklearn.datasets
    # costs a second per kernel): the union of train and test must be its data, row for row.
    from sklearn.datasets import load_digits as sklearn_load_digits

    bunch = sklearn_load_digits()
    (x_train, y_train), (x_test, y_test) = load_digits("train"), load_digits("test")
    x = torch.cat([x_train, x_test]).reshape(-1, 64).double() * 16  # exact: pixels are integers 0-16
    y = torch.cat([y_train, y_test])
    ours = sorted(zip(map(tuple, x.tolist()), y.tolist()))
    theirs = sorted(zip(map(tuple, bunch.data.tolist()), bunch.target.tolist()))
    assert ours == theirs


@pytest.mark.parametrize("split, size", [("train", 1438), ("test", 359), ("train_a", 721), ("train_b", 717)])
def test_each_split_has_its_size_shape_dtype_and_range(split, size):
    x, y = load_digits(split)
    assert x.shape == (size, 1, 8, 8) and x.dtype == torch.float32
    assert y.shape == (size,) and y.dtype == torch.int64
    assert float(x.min()) == 0.0 and float(x.max()) == 1.0
    assert torch.equal(x * 16, (x * 16).round())  # k / 16, exactly
    assert set(y.tolist()) == set(range(10))


def _rows(split):
    x, y = load_digits(split)
    return {(tuple(row), label) for row, label in zip(x.reshape(len(x), -1).tolist(), y.tolist())}


def test_train_and_test_are_disjoint_and_the_halves_partition_train():
    # Compared by content (the 1797 images are all distinct): no test image is ever trained on.
    assert not _rows("train") & _rows("test")
    assert not _rows("train_a") & _rows("train_b")
    assert _rows("train_a") | _rows("train_b") == _rows("train")
    assert len(_rows("train")) + len(_rows("test")) == 1797


def test_the_split_is_stratified():
    counts = {split: np.bincount(load_digits(split)[1].numpy(), minlength=10) for split in SPLITS}
    total = counts["train"] + counts["test"]
    assert np.all(np.abs(counts["test"] - 0.2 * total) <= 0.5)  # a fifth of each class, rounded
    assert np.all(np.abs(counts["train_a"] - counts["train_b"]) <= 1)


def test_every_call_returns_fresh_tensors_with_the_same_values():
    x, y = load_digits("test")
    x.zero_()
    y.fill_(3)
    x_again, y_again = load_digits("test")
    assert float(x_again.max()) == 1.0 and len(set(y_again.tolist())) == 10


def test_an_unknown_split_is_refused_with_the_valid_names():
    with pytest.raises(ValueError, match=r"`split` must be one of 'train', 'test', 'train_a', 'train_b' \(got 'validation'\)"):
        load_digits("validation")
