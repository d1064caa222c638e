"""Storage: typed SQLAlchemy models, the engine and migrations. Imports nothing of qualcode but errors."""
