"""Room `stats`: see DESIGN.md."""
