"""Room `cases`: see DESIGN.md."""
