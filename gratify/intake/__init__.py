"""Room `intake`: see DESIGN.md."""
