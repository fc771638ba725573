"""The course's reference pipeline, organised as the talk's three layers.

- ``demo.data_layer``: raw -> bronze -> silver -> gold, checked by a data contract.
- ``demo.model_layer``: training, evaluation, tracking and registry (MLflow).
- ``demo.deployment_layer``: inference API, batch scoring, drift monitoring, retraining.

Importing ``demo`` is cheap: heavy libraries are imported where they are used.
"""

import warnings

__version__ = "0.1.0"

# pyspark (the platform profile's engine) warns on import that it is untested with pandas 3,
# and Great Expectations imports pyspark whenever it is installed, to probe for Spark. The
# course's Spark steps are tested on pandas 3 (tests/platform_profile), so on the laptop
# profile the warning would only be noise under every data-layer cell.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas",
                        category=FutureWarning)
