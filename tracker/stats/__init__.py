"""The papers' statistics: the frozen fit, coupling, phase boundaries, reproduction."""
