"""Membership and framework agreements: the legal frame of the hub's purchases."""
