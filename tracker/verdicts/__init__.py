"""The seven predictions: the registry, the evaluators, status and finality."""
