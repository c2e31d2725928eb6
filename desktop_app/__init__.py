"""职工技能补助柜台 — counter program for Beijing union skill subsidies."""

__version__ = "0.1.0"
