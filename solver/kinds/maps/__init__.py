"""Feature maps worked cell by cell: conv and pool."""
