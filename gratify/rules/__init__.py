"""Room `rules`: see DESIGN.md."""
