"""Evaluation on labelled data: readers for evaluation sets, ranking and classification metrics, and the runs behind ``claimwatch eval``."""
