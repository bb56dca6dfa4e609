"""Maintenance offers on listings and repair requests on delivered equipment."""
