"""Model training as a visible, branchable journey."""
