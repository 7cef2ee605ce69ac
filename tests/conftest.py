"""Shared fixtures: a small real journey on the embedded digits."""

from pathlib import Path

import pytest

from jupyter_journey import Journey, LearningStrategy, load_digits_data

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
NEWS_CSV = SHARED / "data" / "ag_news" / "news.csv"


@pytest.fixture(scope="session")
def digits():
    """The embedded digits, loaded once per test session."""
    return load_digits_data()


@pytest.fixture
def journey(tmp_path, digits):
    """A fresh digits journey holding only its start node."""
    return Journey.create(
        tmp_path / "journey", digits, strategy=LearningStrategy(lr=3e-3)
    )
