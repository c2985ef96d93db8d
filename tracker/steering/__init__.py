"""Truth-direction steering regression (STEERING.md): does adding a "truth direction" to the
residual stream at quarter depth make a causal LM more truthful on TruthfulQA?

The protocol measures it with teacher-forced log-likelihoods, cross-fitting, controls and an
exact test. The modules that need torch (model_io, hooks, scoring, direction, protocol, runner)
import it inside functions, so that the rest (data, stats, result, ingest, queue) and the
`tracker` command line work without the `steer` extra.
"""

PROTOCOL = "steering-v1"
SCHEMA_VERSION = 1
# Revision of the code that computes a steering-v1 result; raised whenever a change could move a
# number or a check. A result records it (`protocol_revision`, absent = 1); one computed by an
# older revision is shown as stale and its model revision queued again.
#   1: the first implementation.
#   2: neutral text scored with the tokenizer's BOS; batching checked in the scoring dtype (and a
#      failing shared-prefix cache path an ERROR); hook removal judged on the run's own hook;
#      tokens_per_s counts tokens run; CUDA out-of-memory retried with half the batch.
PROTOCOL_REVISION = 2
