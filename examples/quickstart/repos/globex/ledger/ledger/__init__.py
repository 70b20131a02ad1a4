"""Exact money arithmetic and fair allocation for Globex's books."""
