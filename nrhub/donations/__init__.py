"""Donation lots of retired equipment and the retired stock behind the REEN indicator."""
