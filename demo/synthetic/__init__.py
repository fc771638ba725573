"""Synthetic source systems: the generator of the course's telco churn data.

``customers`` draws a clean, defect-free population with a known churn model (the ground
truth); ``defects`` turns it into the messy raw export a data engineer receives; scenarios
shift the population or the churn model to make drifted "production" batches.
"""
