"""Test set-up shared by every test: Qt runs offscreen (no screen needed)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
