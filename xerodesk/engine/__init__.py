"""Async orchestration of pulls and pushes; knows nothing of Qt."""
