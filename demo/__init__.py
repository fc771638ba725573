"""The course's reference pipeline, organised as the talk's three layers.

- ``demo.data_layer``: raw -> bronze -> silver -> gold, checked by a data contract.
- ``demo.model_layer``: training, evaluation, tracking and registry (MLflow).
- ``demo.deployment_layer``: inference API, batch scoring, drift monitoring, retraining.

Importing ``demo`` is cheap: heavy libraries are imported where they are used.
"""

__version__ = "0.1.0"
