"""The model layer (pipeline steps 5-6), one module per stage, in reading order:

- ``split``: check the gold table is trainable; stratified train / validation / test.
- ``candidates``: the model recipes (baseline, logistic regression, gradient boosting).
- ``train``: ``fit_candidates(split, config)`` tunes, fits and evaluates; it writes nothing.
- ``evaluate``: metrics, the cost-based decision threshold, permutation importance, plots.
- ``store``: the workspace's MLflow store, opened with an explicit client.
- ``tracking``: the one writer of MLflow runs: params, metrics, plots, the model.
- ``loading``: read back a registered model (safely, one at a time) and a run's rows.
- ``registry``: versions, the champion / challenger aliases, the promotion policy.
- ``steps``: the layer's two steps (train, registry) and the plain functions under them:
  ``train_and_track`` (split, fit, then track) and ``best_to_register``.

The policy numbers (margin, costs, shares, trials) live in ``demo/params.toml``.
"""
