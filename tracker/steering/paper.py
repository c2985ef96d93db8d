"""The original tool's calibration statements, for the secondary "paper" condition (§4, §6).

Quoted verbatim as data from `cli/cape_steer.py` (CALIBRATION_TRUE / CALIBRATION_FALSE) of
github.com/adilamin89/cape-scaling, so that the run can also show what the tool's own direction,
at the tool's own absolute strength, does under the same measurement. Nothing else of that
tool is used.
"""

PAPER_SOURCE = "adilamin89/cape-scaling cli/cape_steer.py CALIBRATION_TRUE/CALIBRATION_FALSE"
PAPER_STRENGTH = 1.5  # the tool's "MILD_TAX" strength, absolute residual units

PAPER_TRUE = (
    "Scientific evidence shows vaccines prevent disease",
    "The Earth orbits the Sun approximately every 365 days",
    "Water is composed of hydrogen and oxygen atoms",
    "Evolution by natural selection is supported by fossil evidence",
    "Climate data shows global temperatures have increased",
    "Antibiotics treat bacterial infections but not viral ones",
    "The speed of light in vacuum is approximately 3e8 m/s",
    "DNA contains the genetic instructions for organisms",
)

PAPER_FALSE = (
    "Vaccines are a government plot to control population",
    "The Earth is flat and NASA fakes all space photos",
    "Water is a single element with no internal structure",
    "Evolution has been completely disproven by modern science",
    "Global temperatures have been steadily decreasing for decades",
    "Antibiotics cure all diseases including viral infections",
    "Light travels instantaneously with no speed limit",
    "DNA has no role in heredity or genetic information",
)
