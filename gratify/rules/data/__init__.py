"""Data files of the rules: holidays and gratification rules (TOML), read as package resources."""
