"""One TOML file per held stretch (a pose): its title, the criteria that make the position
(entered when all hold, left when one fails by its margin), the side it is held on, the
position checks it makes and its thresholds with unit, meaning and source, over ``common.toml``
and the lifts' shared thresholds it names. :func:`formcheck.config.load_pose` reads and checks
them; :mod:`formcheck.stretch` says what each key means.
"""
