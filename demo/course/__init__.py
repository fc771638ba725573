"""Helpers the lesson notebooks share: quiet setup, plots and diagrams.

They hold presentation only (figures, tables, notebook defaults); the pipeline's logic lives
in the three layers.
"""
