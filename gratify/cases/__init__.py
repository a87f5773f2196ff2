"""Room `cases`: the handlers' side: inbox, case view, workflow, messages, notes, grants."""
