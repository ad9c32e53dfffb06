"""Enrichment: which stage asks which provider, the disk cache of what never changes,
and the facts (extension columns) that fill a legacy row's blanks. Headless."""
