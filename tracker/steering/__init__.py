"""Truth-direction steering regression (STEERING.md): does adding a "truth direction" to the
residual stream at quarter depth make a causal LM more truthful on TruthfulQA?

The protocol measures it with teacher-forced log-likelihoods, cross-fitting, controls and an
exact test. The modules that need torch (model_io, hooks, scoring, direction, protocol, runner)
import it inside functions, so that the rest (data, stats, result, ingest, queue) and the
`tracker` command line work without the `steer` extra.
"""

PROTOCOL = "steering-v1"
SCHEMA_VERSION = 1
