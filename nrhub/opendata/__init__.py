"""Open contract data of consolidated campaigns: DECP and OCDS."""
