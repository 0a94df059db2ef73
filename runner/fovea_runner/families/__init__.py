"""One module per family's conventions (docs/CODE-CONVENTIONS.md)."""
