"""Errors a user can cause. The command line turns them into one line and exit code 2."""


class DemoError(Exception):
    """A problem with the user's input or set-up, explained in one sentence."""


class DataError(DemoError):
    """Input data that cannot be used: names the file, line, column or field and the rule."""


class ContractError(DataError):
    """The data contract failed on a critical expectation."""


class ModelError(DemoError):
    """A model cannot be trained, found or loaded as asked."""


class TrackingStoreError(ModelError):
    """The MLflow tracking store is missing, locked or corrupt."""
