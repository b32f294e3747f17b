"""Background jobs run by arq (`mobilize worker`) or in-process by `mobilize serve` without Redis."""
