"""The transparency lists (grants register, contracts, decisions, spend over £500) and the
360Giving open-data file, with their pages and downloads."""
