"""Benchmarks: ``make bench`` prints one ``BENCH <name> <value> <unit>`` line per figure."""
