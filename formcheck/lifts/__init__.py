"""One TOML file per lift: its title, variants, how reps are found, the checks it makes (rules
from :mod:`formcheck.rules` and their cues) and its thresholds with unit, meaning and source,
over ``common.toml``. Lifts are discovered from this folder and from the folders named in
``$FORMCHECK_LIFT_PATH``; :func:`formcheck.config.load_lift` reads and checks them.
"""
