"""Room `notify`: see DESIGN.md."""
