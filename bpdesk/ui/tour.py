"""The guided tour ("Learn" dock): the explainer's path, one page at a time.

The pages live in ``resources/tour/tour.md`` so that a teacher can edit them
without touching code. Each page may carry a "show:" line of steps that its
"Show me" button performs (open an example, select a weight, run a pass,
train…) and a "look:" line naming the part of the window to point at.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from bpdesk.paths import resource_path
from bpdesk.ui.preferences import ViewPreferences

STEP_WORDS = (
    "example",
    "view",
    "sample",
    "select",
    "forward",
    "backward",
    "apply",
    "train",
    "pause",
    "reset",
    "speed",
    "lr",
    "dock",
    "gradcheck",
    "scaleup",
    "neurons",
    "activation",
    "sweep",
    "race",
)


class TourError(ValueError):
    """The tour text has a mistake (named with its page)."""


@dataclass(frozen=True)
class TourPage:
    """One page: its title, body (light Markdown), the steps of "Show me" and where to look."""

    title: str
    body: str
    steps: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())
    look: str = ""
    # A second button's label, steps and look ("also:" line), as a page of its own.
    also: TourPage | None = None


def _parse_steps(title: str, text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    steps = []
    for step in text.split(";"):
        words = step.split()
        if not words:
            continue
        if words[0] not in STEP_WORDS:
            raise TourError(f"page {title!r}: unknown step {words[0]!r}")
        steps.append((words[0], tuple(words[1:])))
    return tuple(steps)


def _parse_also(title: str, text: str) -> TourPage:
    """``also: LABEL | STEPS | LOOK``: a second button on the page."""
    parts = [part.strip() for part in text.split("|")]
    if len(parts) != 3 or not parts[0]:
        raise TourError(f"page {title!r}: an also: line is LABEL | STEPS | LOOK")
    return TourPage(parts[0], "", _parse_steps(title, parts[1]), parts[2])


def parse_tour(text: str) -> list[TourPage]:
    """Split the tour text into pages; raise :class:`TourError` for an unknown step."""
    pages: list[TourPage] = []
    for chunk in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        lines = chunk.splitlines()
        title = lines[0].strip()
        steps: tuple[tuple[str, tuple[str, ...]], ...] = ()
        look = ""
        also = None
        body_lines = []
        for line in lines[1:]:
            if line.startswith("show:"):
                steps += _parse_steps(title, line[5:])
            elif line.startswith("look:"):
                look = line[5:].strip()
            elif line.startswith("also:"):
                also = _parse_also(title, line[5:])
            else:
                body_lines.append(line)
        pages.append(TourPage(title, "\n".join(body_lines).strip(), steps, look, also))
    if not pages:
        raise TourError("the tour has no pages")
    return pages


def load_tour() -> list[TourPage]:
    """The shipped tour."""
    return parse_tour(resource_path("tour", "tour.md").read_text(encoding="utf-8"))


def markdown_to_html(text: str) -> str:
    """Paragraphs, bullet lists, **bold** and *italic*: all the tour needs."""
    blocks = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.splitlines()
        if all(line.lstrip().startswith("- ") for line in lines):
            items = "".join(f"<li>{_inline(line.lstrip()[2:])}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        else:
            blocks.append(f"<p>{_inline(' '.join(line.strip() for line in lines))}</p>")
    return "".join(blocks)


def _inline(text: str) -> str:
    text = html.escape(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    return re.sub(r"\*(.+?)\*", r"<i>\1</i>", text)


class TourPanel(QWidget):
    """Page through the tour; "Show me" asks the window to set itself up for the page."""

    showRequested = Signal(object)  # the TourPage
    pageChanged = Signal(int)  # the index of the page now shown

    def __init__(
        self,
        settings: QSettings | None = None,
        pages: list[TourPage] | None = None,
        parent=None,
        *,
        prefs: ViewPreferences | None = None,
    ):
        super().__init__(parent)
        self.settings = settings
        self.prefs = prefs if prefs is not None else ViewPreferences(parent=self)
        self.pages = pages if pages is not None else load_tour()
        self.title = QLabel()
        self.title.setObjectName("tourTitle")
        self.title.setWordWrap(True)
        self.prefs.style(self.title, "font-weight: bold; font-size: 12pt;")
        self.body = QTextBrowser()
        self.body.setOpenExternalLinks(True)
        self.counter = QLabel()
        self.counter.setToolTip("Page of the tour")
        self.back = QPushButton("◀ Back")
        self.back.setToolTip("The previous page")
        self.show_me = QPushButton("Show me")
        self.show_me.setToolTip("Set bpdesk up for this page and point at what to look at")
        self.prefs.style(self.show_me, "font-weight: bold;")
        # A page's second button ("also:"), e.g. "Race them" on the numerical gradients page.
        self.also_button = QPushButton()
        self.also_button.setVisible(False)
        self.next = QPushButton("Next ▶")
        self.next.setToolTip("The next page")
        for button in (self.back, self.show_me, self.also_button, self.next):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # leave Space to train/pause
        buttons = QHBoxLayout()
        buttons.addWidget(self.back)
        buttons.addWidget(self.counter, 1, Qt.AlignmentFlag.AlignCenter)
        buttons.addWidget(self.next)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.body, 1)
        show = QHBoxLayout()
        show.addWidget(self.show_me, 1)
        show.addWidget(self.also_button, 1)
        layout.addLayout(show)
        layout.addLayout(buttons)
        self.back.clicked.connect(lambda: self.go(self.index - 1))
        self.next.clicked.connect(lambda: self.go(self.index + 1))
        self.show_me.clicked.connect(lambda: self.showRequested.emit(self.page))
        self.also_button.clicked.connect(lambda: self.showRequested.emit(self.page.also))
        start = 0
        if settings is not None:
            try:
                start = int(settings.value("tour/page", 0))
            except (TypeError, ValueError):
                start = 0
        self.index = -1
        self.go(start)

    @property
    def page(self) -> TourPage:
        """The page shown."""
        return self.pages[self.index]

    def go(self, index: int) -> None:
        """Show page ``index`` (clamped), and remember it for the next launch."""
        index = max(0, min(index, len(self.pages) - 1))
        if index == self.index:
            return
        self.index = index
        page = self.page
        self.title.setText(page.title)
        self.body.setHtml(markdown_to_html(page.body))
        self.counter.setText(f"{index + 1} / {len(self.pages)}")
        self.back.setEnabled(index > 0)
        self.next.setEnabled(index < len(self.pages) - 1)
        self.show_me.setEnabled(bool(page.steps) or bool(page.look))
        self.also_button.setVisible(page.also is not None)
        if page.also is not None:
            self.also_button.setText(page.also.title)
            self.also_button.setToolTip(f"{page.also.title}: set bpdesk up and run it")
        if self.settings is not None:
            self.settings.setValue("tour/page", index)
        self.pageChanged.emit(index)
