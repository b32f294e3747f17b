"""mobilize: volunteer mobilization for unions, chapters and coalitions."""

__version__ = "0.1.0"
