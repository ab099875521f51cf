"""Fetching the watched matters' event histories from the offices into the events directory."""
