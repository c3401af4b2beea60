"""The REST API for agents' programs: v1 (tickets.py) and HelpDeskPro's paths (helpdeskpro.py)."""
