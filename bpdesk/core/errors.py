"""Errors the engine raises for bad input: each carries one clear sentence."""


class BpdeskError(ValueError):
    """Base class: invalid input that a user can fix (never a bug in bpdesk)."""


class ConfigError(BpdeskError):
    """An impossible network, training or dataset setting."""


class DatasetError(BpdeskError):
    """A dataset that cannot be built or read (for example a malformed CSV row)."""


class FileFormatError(BpdeskError):
    """A ``.bpnet`` file that cannot be loaded; ``field`` names the offending part."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)
