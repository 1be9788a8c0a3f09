"""The app's screens: main (browse and query), deadlines, diff; help and export are modal."""
