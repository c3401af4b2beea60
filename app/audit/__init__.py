"""The audit log (stub in wt-export until the lead's audit log lands on main)."""
