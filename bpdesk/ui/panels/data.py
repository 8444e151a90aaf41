"""The "Data and training" dock: which problem, and how the network learns it.

Every control edits through an undo command: dataset settings regenerate
the data (the network's input and output layers follow), training settings
change the configuration (a running training takes them at its next epoch).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bpdesk.core import (
    INITIALIZERS,
    LOSSES,
    OPTIMIZERS,
    REGULARIZATIONS,
    BpdeskError,
    DatasetSpec,
    load_csv,
    make_dataset,
)
from bpdesk.core.datasets import GENERATORS
from bpdesk.ui import editing
from bpdesk.ui.commands import SetConfigCommand
from bpdesk.ui.document import Document
from bpdesk.ui.epochs_box import EpochsBox
from bpdesk.ui.feature_toggles import FeatureToggles
from bpdesk.ui.playground_notes import PLAYGROUND_DIFFERENCES
from bpdesk.ui.preferences import ViewPreferences
from bpdesk.ui.widgets import learning_rate_box, spin_moved

CSV_ITEM = "csv"
# The open dialog's file types; the second says where the target is in a file without a
# header naming it (image files such as MNIST's put the label first).
CSV_FILTERS = (
    "CSV files, target last or named label/class/target (*.csv)",
    "CSV files, target first, e.g. MNIST (*.csv)",
    "All files (*)",
)
CUSTOM_ITEM = "custom"  # the data in use when no generator made it: a CSV file, edited points
# The titles of generated data (XOR's dataset is titled "XOR"): edited, such data is no longer that.
GENERATED_TITLES = {info.title for info in GENERATORS.values()} | {"XOR"}


# How the engine's names read in the panel (the names themselves stay in files and the API).
CHOICE_TITLES = {
    "mse": "mse: ½(ŷ − t)², mean",
    "bce": "bce: binary cross-entropy",
    "ce": "ce: cross-entropy (softmax)",
    "se": "se: (ŷ − t)² (single weight)",
    "sgd": "SGD",
    "momentum": "SGD with momentum",
    "adam": "Adam",
    "none": "none",
    "l1": "L1",
    "l2": "L2",
    "xavier_bias": "Xavier (Glorot), biases too",
    "xavier": "Xavier (Glorot), biases 0",
    "pytorch": "PyTorch's default",
    "he": "He",
    "uniform": "uniform ±0.5",
}


class DataPanel(QWidget):
    """Dataset and training settings, each change an undoable edit."""

    def __init__(self, doc: Document, parent=None, *, prefs: ViewPreferences | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.prefs = prefs if prefs is not None else ViewPreferences(parent=self)
        self._updating = False
        # The settings of the last generated data: leaving XOR (or a CSV file) for a
        # generator starts from them, not from the fields, which then show XOR's 4 points.
        self._generator_spec = DatasetSpec("")

        self._build_data_fields()
        self._build_training_fields()

        data_box = QGroupBox("Data")
        form = self._data_form = QFormLayout(data_box)
        form.addRow("Dataset", self.dataset_box)
        form.addRow("Points", self.samples)
        form.addRow("Noise", self.noise)
        form.addRow("Test ratio", self.test_ratio)
        form.addRow("Classes", self.classes)
        form.addRow("Seed", self.data_seed)
        form.addRow("Inputs", self.features)
        form.addRow(self.regenerate)
        form.addRow(self.dataset_info)
        train_box = QGroupBox("Training")
        form = QFormLayout(train_box)
        form.addRow("Batch size", self.batch)
        form.addRow("Loss", self.loss_box)
        form.addRow("Optimiser", self.optimizer_box)
        form.addRow("Learning rate", self.lr)
        form.addRow("Momentum", self.momentum)
        form.addRow("Regularisation", self.reg_box)
        form.addRow("Strength λ", self.reg_rate)
        form.addRow("Initialiser", self.init_box)
        form.addRow("Weight seed", self.weight_seed)
        form.addRow("Stop at epoch", self.epochs)
        for label in self.findChildren(QLabel):
            buddy = label.buddy()
            if buddy is not None and not label.toolTip():
                label.setToolTip(buddy.toolTip())

        inner = QWidget()
        column = QVBoxLayout(inner)
        column.addWidget(data_box)
        column.addWidget(train_box)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        # A narrow dock wraps the text and narrows the fields rather than scrolling sideways.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for box in (self.dataset_box, self.loss_box, self.optimizer_box, self.init_box):
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            box.setMinimumContentsLength(8)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

        self.dataset_box.activated.connect(self._on_dataset_chosen)
        for widget in (self.samples, self.noise, self.test_ratio, self.classes, self.data_seed):
            widget.editingFinished.connect(self._regenerate_same)
        self.regenerate.clicked.connect(self._regenerate_next_seed)
        for widget in (self.batch, self.lr, self.momentum, self.reg_rate):
            widget.editingFinished.connect(self._on_training_edited)
        for box in (self.optimizer_box, self.reg_box):
            box.activated.connect(self._on_training_edited)
        self.loss_box.activated.connect(self._on_loss_chosen)
        self.init_box.activated.connect(self._on_init_edited)
        self.weight_seed.editingFinished.connect(self._on_init_edited)
        for signal in (doc.datasetChanged, doc.settingsChanged, doc.networkChanged):
            signal.connect(self._show)
        self._show()

    # -- construction helpers -------------------------------------------------------------

    def _build_data_fields(self) -> None:
        """The dataset chooser and the generator's settings."""
        self.dataset_box = QComboBox()
        for name, info in GENERATORS.items():
            self.dataset_box.addItem(info.title, name)
            self.dataset_box.setItemData(
                self.dataset_box.count() - 1, info.description, Qt.ItemDataRole.ToolTipRole
            )
        # Names the data when no generator made it (shown then only), so that the box
        # never claims a generator, or a CSV file, for points the user edited.
        self.dataset_box.addItem("Custom points", CUSTOM_ITEM)
        self._custom_row = self.dataset_box.count() - 1
        self.dataset_box.model().item(self._custom_row).setEnabled(False)
        self.dataset_box.addItem("From a CSV file…", CSV_ITEM)
        self.dataset_box.setToolTip(
            "The problem to learn: the explainer's XOR, generated 2-D sets, or a CSV file."
            f"\n\n{PLAYGROUND_DIFFERENCES}"
        )
        self.samples = self._spin(QSpinBox(), 4, 2000, "How many points to generate")
        self.noise = self._spin(
            QDoubleSpinBox(), 0.0, 1.0, "How noisy the generated points are (0 to 1)", 0.05
        )
        self.test_ratio = self._spin(
            QDoubleSpinBox(),
            0.0,
            0.9,
            "Fraction of the points held out to test on (never trained on)",
            0.05,
        )
        self.classes = self._spin(QSpinBox(), 3, 8, "Number of classes (blobs only)")
        self.data_seed = self._spin(
            QSpinBox(), 0, 2**31 - 1, "Seed of the generated points: same seed, same points"
        )
        self.features = FeatureToggles(self.doc)
        self.regenerate = QPushButton("Regenerate")
        self.regenerate.setToolTip(
            "New points from the next seed, in one click: the network stays as it is, so you "
            "see how it does on other points of the same problem (undoable)"
        )
        self.dataset_info = QLabel()
        self.dataset_info.setWordWrap(True)
        self.prefs.style(self.dataset_info, "color: {faint_text};")

    def _build_training_fields(self) -> None:
        """The training settings: batch, loss, optimiser, regularisation, initialiser."""
        self.batch = self._spin(
            QSpinBox(), 0, 100_000, "Examples per step; 0 = all of them (full batch)"
        )
        self.batch.setSpecialValueText("all (full batch)")
        self.loss_box = self._combo(
            LOSSES,
            "The loss: mse = ½(ŷ − t)², bce binary cross-entropy, ce cross-entropy, se = (ŷ − t)² (the explainer's single weight)",
        )
        self.optimizer_box = self._combo(
            OPTIMIZERS, "How gradients move the weights: plain SGD, with momentum, or Adam"
        )
        self.lr = learning_rate_box("Learning rate η: the size of each step")
        self.momentum = self._spin(
            QDoubleSpinBox(), 0.0, 0.999, "Momentum μ (for the momentum optimiser)", 0.05
        )
        # Two decimals would round the top of the range, 0.999, up to a momentum of 1.
        self.momentum.setDecimals(3)
        self.reg_box = self._combo(
            REGULARIZATIONS, "Regularisation: none, L1 (λ·|w|) or L2 (½λ·w²) on the weights"
        )
        self.reg_rate = self._spin(QDoubleSpinBox(), 0.0, 1.0, "Regularisation strength λ", 0.001)
        self.reg_rate.setDecimals(4)
        self.init_box = self._combo(
            INITIALIZERS, "How starting weights are drawn (changing it re-initialises)"
        )
        self.weight_seed = self._spin(
            QSpinBox(), 0, 2**31 - 1, "Seed of the starting weights (changing it re-initialises)"
        )
        self.epochs = EpochsBox(self.doc)

    @staticmethod
    def _spin(widget, low, high, tip, step=None):
        widget.setRange(low, high)
        if step is not None:
            widget.setSingleStep(step)
        widget.setToolTip(tip)
        widget.setKeyboardTracking(False)
        return widget

    @staticmethod
    def _combo(names, tip) -> QComboBox:
        box = QComboBox()
        for name in names:
            # A readable name on screen; the code name (as in files and the API) as data.
            box.addItem(CHOICE_TITLES.get(name, name), name)
        box.setToolTip(tip)
        return box

    # -- document → controls -------------------------------------------------------------------

    def _show(self) -> None:
        self._updating = True
        doc = self.doc
        data, config, net = doc.dataset, doc.config, doc.network
        spec = data.spec
        self._show_dataset_name(data)
        generated = spec is not None and spec.name != "xor"
        shipped = generated and GENERATORS[spec.name].shipped
        if generated and not shipped:
            self._generator_spec = spec
        for widget in (self.samples, self.noise, self.test_ratio, self.data_seed, self.regenerate):
            widget.setEnabled(generated)
        # Shipped data (the digits) are fixed images: only their split follows the settings.
        for widget in (self.samples, self.noise):
            widget.setEnabled(generated and not shipped)
        # The number of classes means something for the blobs only: elsewhere the row
        # would say "3" beside a dataset of two classes.
        self._data_form.setRowVisible(self.classes, generated and spec.name == "blobs")
        if spec is not None:
            self.samples.setValue(spec.n_samples)
            self.noise.setValue(spec.noise)
            self.test_ratio.setValue(spec.test_ratio)
            self.classes.setValue(spec.n_classes)
            self.data_seed.setValue(min(spec.seed, 2**31 - 1))
        else:
            # Points added by hand or read from a file: the (greyed) fields describe
            # these data, not the generator they no longer come from.
            total = data.n_train + data.n_test
            self.samples.setValue(min(total, self.samples.maximum()))
            self.test_ratio.setValue(data.n_test / total if total else 0.0)
        kinds = {
            "binary": "two classes (0/1)",
            "multiclass": "classes",
            "regression": "a real number",
        }
        self.dataset_info.setText(
            f"{data.n_train} training and {data.n_test} test examples, "
            f"{data.n_inputs} input{'s' if data.n_inputs != 1 else ''}; target: {kinds[data.kind]}. "
            "The input and output layers follow the dataset."
        )
        self.batch.setValue(config.batch_size)
        self.loss_box.setCurrentIndex(self.loss_box.findData(net.loss))
        self.optimizer_box.setCurrentIndex(self.optimizer_box.findData(config.optimizer))
        self.lr.setValue(config.learning_rate)
        self.momentum.setValue(config.momentum)
        self.momentum.setEnabled(config.optimizer == "momentum")
        self.reg_box.setCurrentIndex(self.reg_box.findData(config.regularization))
        self.reg_rate.setValue(config.reg_rate)
        self.reg_rate.setEnabled(config.regularization != "none")
        self.init_box.setCurrentIndex(self.init_box.findData(net.init))
        self.weight_seed.setValue(min(net.seed, 2**31 - 1))
        self._updating = False

    def _show_dataset_name(self, data) -> None:
        box, row = self.dataset_box, self._custom_row
        custom = data.spec is None
        if custom:
            title = data.title
            box.setItemText(
                row, f"{title} (edited)" if title in GENERATED_TITLES else title or "Custom points"
            )
        box.view().setRowHidden(row, not custom)
        box.setCurrentIndex(row if custom else box.findData(data.spec.name))

    # -- controls → document ----------------------------------------------------------------------

    def _spec(self, name: str, seed: int | None = None) -> DatasetSpec:
        current = self.doc.dataset.spec
        if current is None or current.name == "xor":
            # The fields show XOR's (or nothing useful for a CSV file): start from the
            # last generated data's settings, or the generators' defaults.
            return replace(self._generator_spec, name=name)
        samples, noise = self.samples.value(), round(self.noise.value(), 4)
        if GENERATORS[current.name].shipped and not GENERATORS[name].shipped:
            # The fields show the shipped images' count: a generator starts from its own.
            samples, noise = self._generator_spec.n_samples, self._generator_spec.noise
        return DatasetSpec(
            name,
            samples,
            noise,
            round(self.test_ratio.value(), 4),
            self.data_seed.value() if seed is None else seed,
            self.classes.value(),
        )

    def _use(self, spec: DatasetSpec, text: str) -> None:
        try:
            data = make_dataset(
                spec.name, spec.n_samples, spec.noise, spec.test_ratio, spec.seed, spec.n_classes
            )
            features = self.doc.dataset.features
            if features and data.features_refused() is None:
                data = data.with_features(features)  # the inputs stay as chosen
        except BpdeskError as exc:
            self.doc.notify(str(exc))
            self._show()
            return
        if not editing.change_dataset(self.doc, data, text):
            self._show()

    def _on_dataset_chosen(self, index: int) -> None:
        name = self.dataset_box.itemData(index)
        if name in (CSV_ITEM, CUSTOM_ITEM):
            self._show()  # the combo shows the current data until a file is loaded
            if name == CSV_ITEM:
                self.import_csv()
            return
        current = self.doc.dataset.spec
        if current is not None and current.name == name:
            return
        self._use(self._spec(name), f"Use {GENERATORS[name].title}")

    def _regenerate_same(self) -> None:
        spec = self.doc.dataset.spec
        if self._updating or spec is None or spec.name == "xor":
            return
        new = self._spec(spec.name)
        if new != spec:
            self._use(new, "Change the data")

    def _regenerate_next_seed(self) -> None:
        spec = self.doc.dataset.spec
        if spec is None or spec.name == "xor":
            return
        self._use(self._spec(spec.name, spec.seed + 1), "Regenerate the data")

    def import_csv(self, path: str | None = None, target_column: str = "last") -> bool:
        """Load a dataset from a CSV file (asks for the file when ``path`` is None; the
        dialog's file type then says whether the target is the last or the first column)."""
        if path is None:
            path, chosen = QFileDialog.getOpenFileName(
                self, "Open a CSV dataset", "", ";;".join(CSV_FILTERS)
            )
            if not path:
                return False
            target_column = "first" if chosen == CSV_FILTERS[1] else "last"
        try:
            data = load_csv(path, test_ratio=self.test_ratio.value(), target_column=target_column)
        except BpdeskError as exc:
            self.doc.notify(f"Cannot use that CSV file: {exc}")
            return False
        return editing.change_dataset(self.doc, data, f"Use {data.title}")

    def _on_training_edited(self, *_) -> None:
        if self._updating:
            return
        old = self.doc.config

        def edited(box, value):
            # A box only shows the value to its decimals: tabbing through one must not
            # round the setting (a rate of 0.00025 to 0.0003).
            return round(box.value(), 6) if spin_moved(box, value) else value

        config = replace(
            old,
            batch_size=self.batch.value(),
            optimizer=self.optimizer_box.currentData(),
            learning_rate=edited(self.lr, old.learning_rate),
            momentum=edited(self.momentum, old.momentum),
            regularization=self.reg_box.currentData(),
            reg_rate=edited(self.reg_rate, old.reg_rate),
        )
        if config != self.doc.config:
            self.doc.push(SetConfigCommand(self.doc, config))
        self._show()

    def _on_loss_chosen(self, _index: int) -> None:
        if not editing.set_loss(self.doc, self.loss_box.currentData()):
            self._show()  # refused: the control goes back to what the network uses

    def _on_init_edited(self, *_) -> None:
        if self._updating:
            return
        net = self.doc.network
        init, seed = self.init_box.currentData(), self.weight_seed.value()
        if (init, seed) != (net.init, min(net.seed, 2**31 - 1)) and not editing.reinitialise(
            self.doc, init, seed
        ):
            self._show()
