"""Business rules and transactions; web pages, the API, the CLI and the workers all call these."""
