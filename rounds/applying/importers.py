"""Import and export kinds of this stage of a round (pcc_commissioning.interchange)."""
