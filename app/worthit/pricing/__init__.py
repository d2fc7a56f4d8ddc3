"""Model prices: genai-prices, Worthit's dated layer, and the user's overrides."""
