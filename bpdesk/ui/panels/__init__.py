"""Dock panels around the network editor."""
