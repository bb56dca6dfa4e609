"""Allocations, purchase orders and deliveries (to be built)."""
