"""One module per lift: the checks it makes and the cues it gives, beside its thresholds' TOML.

Each module defines ``check(ctx) -> list[Verdict]``; :func:`formcheck.config.load_lift` reads
the thresholds from ``<lift>.toml`` (over ``common.toml``).
"""
