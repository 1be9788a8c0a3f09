"""Widgets shared by the screens: each one job, no knowledge of which screen holds it."""
