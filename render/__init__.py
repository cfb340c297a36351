"""Rendering: maps, charts, printable reports and display tables built from geo's results; no analysis here."""
