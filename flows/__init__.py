"""Prefect flows: the only package that knows Prefect. Tasks wrap plain functions of the stages."""
