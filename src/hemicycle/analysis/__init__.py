"""Analyses on top of the law and the data: replaying an election against its official outcome."""
