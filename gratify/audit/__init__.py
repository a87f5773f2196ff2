"""Room `audit`: see DESIGN.md."""
